/**
 * How students join a room: its URL on the server's LAN address (what a phone in the classroom can
 * reach; `localhost` on the teacher's laptop is not it), and that URL as a QR code (SVG text).
 */
import QRCode from 'qrcode';
import { fetchJoinUrls } from '../api/serverApi.ts';
import { joinUrl } from './joinUrl.ts';

export class JoinLink {
  /** The server's LAN origins (empty until it answers, or when it found none). */
  lanOrigins = $state.raw<readonly string[]>([]);
  readonly url: string = $derived.by(() => joinUrl(this.lanOrigins[0] ?? `${location.origin}/`, this.#room));
  qrSvg = $state('');
  readonly #room: string;
  readonly #abort = new AbortController();

  /** Must be made while a component initialises: its QR effect lives and dies with that component. */
  constructor(room: string) {
    this.#room = room;
    void fetchJoinUrls(this.#abort.signal).then((reply) => {
      if (reply.state === 'ok') this.lanOrigins = reply.value;
    });
    $effect(() => {
      const url = this.url;
      let current = true;
      QRCode.toString(url, { type: 'svg', margin: 1, errorCorrectionLevel: 'M' }).then(
        (svg) => {
          if (current) this.qrSvg = svg;
        },
        () => {
          if (current) this.qrSvg = '';
        },
      );
      return () => {
        current = false;
      };
    });
  }

  close(): void {
    this.#abort.abort();
  }
}
