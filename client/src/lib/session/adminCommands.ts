/**
 * The room admin's commands (mode, service, partition, faults, churn, reset, identity budget), as one collaborator: each
 * is checked once (this page holds the room's admin key) and signed with that key (the engine's inputs
 * through the page's signer, which may be asynchronous; the server's requests synchronously). It returns what to
 * do — an engine input, a request for the server, or a sentence for the user — and the driver does it.
 */
import { admissionSigningBytes, nobleSigner, resetSigningBytes, toHex, type AdmissionRequest, type AnySigner, type FaultRule, type Input, type KeyPair, type Mode, type Signer } from '@peerlab/shared';

export type AdminCommand =
  | { readonly type: 'switchMode'; readonly mode: Mode }
  | { readonly type: 'setService'; readonly running: boolean }
  /** `groups: null` heals the partition. */
  | { readonly type: 'partition'; readonly groups: readonly (readonly string[])[] | null }
  | { readonly type: 'setFaults'; readonly rules: readonly FaultRule[] }
  | { readonly type: 'setChurn'; readonly on: boolean; readonly periodMs: number; readonly downMs: number }
  | { readonly type: 'resetRoom' }
  | { readonly type: 'setAdmission'; readonly perMinute: number };

export type AdminAction =
  | { readonly type: 'input'; readonly input: Input }
  | { readonly type: 'reset'; readonly request: { readonly generation: number; readonly sig: string } }
  | { readonly type: 'admission'; readonly request: AdmissionRequest }
  | { readonly type: 'notice'; readonly text: string }
  /** Nothing to do (e.g. the room is already in that mode, or a silent refusal). */
  | { readonly type: 'none' };

/** Commands that tell a non-admin why nothing happened; the others are panels only the admin sees. */
const TOLD: Partial<Record<AdminCommand['type'], string>> = {
  switchMode: 'Only the room admin (the browser that created the room) can switch modes.',
  resetRoom: 'Only the room admin (the browser that created the room) can reset it.',
};

export interface AdminContext {
  /** Whether the server named this page's admin key the room's admin. */
  readonly isAdmin: boolean;
  readonly mode: Mode;
  /** The room's name and generation, which a reset request signs. */
  readonly room: string;
  readonly generation: number;
  /** The wall clock an identity budget request is dated by. */
  readonly now: number;
}

export class AdminCommands {
  /** Signs the server's requests (reset, identity budget), which go to it at once (not through the engine). */
  readonly #resetSigner: Signer;
  /** The signer the engine's admin inputs carry (made on first use: most pages never command). */
  readonly #inputSigner: () => AnySigner;
  /** This tab's own key: exempt from the churn it starts, so the teacher keeps control. */
  readonly #self: string;

  constructor(adminPair: KeyPair, self: string, inputSigner: () => AnySigner) {
    this.#resetSigner = nobleSigner(adminPair);
    this.#inputSigner = inputSigner;
    this.#self = self;
  }

  get publicKey(): string {
    return this.#resetSigner.publicKey;
  }

  /** What one command comes to, given the room as this page sees it. */
  run(command: AdminCommand, context: AdminContext): AdminAction {
    if (command.type === 'switchMode' && command.mode === context.mode) return { type: 'none' };
    if (!context.isAdmin) {
      const text = TOLD[command.type];
      return text === undefined ? { type: 'none' } : { type: 'notice', text };
    }
    if (command.type === 'resetRoom') {
      return { type: 'reset', request: { generation: context.generation, sig: toHex(this.#resetSigner.sign(resetSigningBytes(context.room, context.generation))) } };
    }
    if (command.type === 'setAdmission') {
      const { perMinute } = command;
      const at = context.now;
      return { type: 'admission', request: { perMinute, at, sig: toHex(this.#resetSigner.sign(admissionSigningBytes(context.room, perMinute, at))) } };
    }
    const admin = this.#inputSigner();
    switch (command.type) {
      case 'switchMode':
        return { type: 'input', input: { type: 'switchMode', mode: command.mode, admin } };
      case 'setService':
        return { type: 'input', input: { type: 'setService', running: command.running, admin } };
      case 'partition':
        return { type: 'input', input: { type: 'partition', groups: command.groups, admin } };
      case 'setFaults':
        return { type: 'input', input: { type: 'setFaults', rules: command.rules, admin } };
      case 'setChurn':
        return { type: 'input', input: { type: 'setChurn', on: command.on, periodMs: command.periodMs, downMs: command.downMs, exempt: [this.#self], admin } };
      default:
        return command satisfies never;
    }
  }
}
