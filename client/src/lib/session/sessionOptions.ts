/**
 * The options a view starts its sessions with, from the page's URL settings: a peer tab's one session and
 * a lab's N. A setting the page could not use becomes a notice the session shows. Pure.
 */
import type { FreezeGate, OverlayConfig, ProtocolVersion, TraceSequence } from '@peerlab/shared';
import type { OverlaySetting, ProtocolSetting } from '../config.ts';
import { labStorageKeys, peerStorageKeys, type StorageKeys } from './identity.ts';

export interface SessionOptions {
  readonly room: string;
  readonly name: string;
  readonly storage: StorageKeys;
  readonly iceServers: RTCIceServer[];
  /** Server origin; the page's own by default. */
  readonly serverUrl?: string;
  /** Degree watermarks of the mesh, when not the engine's defaults (`?overlay=target,low,high`). */
  readonly overlay?: OverlayConfig;
  /** Shown once the session starts, e.g. why a URL option was ignored. */
  readonly notices?: readonly string[];
  /** The room's passcode (`?passcode=`). */
  readonly passcode?: string;
  /** A dashboard's session: it reports as an observer. */
  readonly observer?: boolean;
  /** Lab: the tab's freeze gate and trace numbering, shared by its peers. */
  readonly gate?: FreezeGate;
  readonly traceSequence?: TraceSequence;
  /** The protocol version this page speaks (`&protocol=`); this build's newest by default. */
  readonly protocol?: ProtocolVersion;
}

/** The session options a URL `?overlay=` setting contributes: the degree, or a notice saying why it was ignored. */
export function sessionOverlay(setting: OverlaySetting): Pick<SessionOptions, 'overlay' | 'notices'> {
  if (!setting.ok) return { notices: [setting.notice] };
  return setting.degree ? { overlay: setting.degree } : {};
}

/** The session options a URL `&protocol=` setting contributes: the version, or a notice saying why it was ignored. */
export function sessionProtocol(setting: ProtocolSetting): Pick<SessionOptions, 'protocol' | 'notices'> {
  if (!setting.ok) return { notices: [setting.notice] };
  return setting.protocol ? { protocol: setting.protocol } : {};
}

/** What the URL says about the room a tab joins (`/?room=…&name=…` and its options). */
export interface RoomSettings {
  readonly room: string;
  readonly iceServers: RTCIceServer[];
  readonly overlay: OverlaySetting;
  readonly passcode: string | undefined;
}

export interface PeerSettings extends RoomSettings {
  readonly name: string;
  readonly protocol: ProtocolSetting;
}

/** The peer view's session: this tab's identity, its URL options, and a notice for each it ignored. */
export function peerSessionOptions(settings: PeerSettings): SessionOptions {
  const overlay = sessionOverlay(settings.overlay);
  const protocol = sessionProtocol(settings.protocol);
  const notices = [...(overlay.notices ?? []), ...(protocol.notices ?? [])];
  return {
    room: settings.room,
    name: settings.name,
    iceServers: settings.iceServers,
    storage: peerStorageKeys(settings.room),
    ...(overlay.overlay ? { overlay: overlay.overlay } : {}),
    ...(protocol.protocol ? { protocol: protocol.protocol } : {}),
    ...(notices.length > 0 ? { notices } : {}),
    ...(settings.passcode ? { passcode: settings.passcode } : {}),
  };
}

/** The lab's `index`-th session (`Lab-1`, `Lab-2`, …), sharing the tab's freeze gate and trace numbering. */
export function labSessionOptions(settings: RoomSettings, index: number, shared: { readonly gate: FreezeGate; readonly traceSequence: TraceSequence }): SessionOptions {
  return {
    room: settings.room,
    name: `Lab-${index + 1}`,
    iceServers: settings.iceServers,
    storage: labStorageKeys(index, settings.room),
    ...sessionOverlay(settings.overlay),
    ...(settings.passcode ? { passcode: settings.passcode } : {}),
    gate: shared.gate,
    traceSequence: shared.traceSequence,
  };
}
