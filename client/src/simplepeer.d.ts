/**
 * simple-peer's two entry points, typed once: each is the constructor the mesh injects, with the part of
 * simple-peer's API the mesh uses (declared in webrtcMesh.ts). The browser imports the prebuilt bundle
 * (the Node entry needs `global`/`process`, which Vite does not provide); the Node bots (e2e/bots) import
 * the Node entry and pass @roamhq/wrtc.
 */
declare module 'simple-peer/simplepeer.min.js' {
  import type { SimplePeerConstructor } from './lib/transport/webrtcMesh.ts';
  const SimplePeer: SimplePeerConstructor;
  export default SimplePeer;
}

declare module 'simple-peer' {
  import type { SimplePeerConstructor } from './lib/transport/webrtcMesh.ts';
  const SimplePeer: SimplePeerConstructor;
  export default SimplePeer;
}
