/**
 * `&protocol=MAJOR.MINOR` on the peer view, for the version-skew lesson: this page's engine speaks an older
 * minor (`1.0`: no pixel events, no versioned reports) or another major (`2.0`: every other node refuses
 * its links). Without it the page speaks this build's newest version. The peer view reads it itself, as it
 * is a lesson's switch on that view alone.
 */
import { CURRENT_PROTOCOL, formatVersion, parseVersion, type ProtocolVersion } from '@peerlab/shared';

export type ProtocolSetting =
  | { readonly ok: true; readonly protocol?: ProtocolVersion }
  | { readonly ok: false; readonly notice: string };

export function protocolFrom(location: Location): ProtocolSetting {
  const text = new URLSearchParams(location.search).get('protocol');
  if (text === null) return { ok: true };
  const protocol = parseVersion(text);
  if (!protocol) return { ok: false, notice: `Ignored &protocol=${text}: expected a version such as 1.0 or 2.0; this page speaks ${formatVersion(CURRENT_PROTOCOL)}.` };
  return { ok: true, protocol };
}
