/** simple-peer's Node entry (no published types): the constructor the mesh injects. */
declare module 'simple-peer' {
  import type { SimplePeerConstructor } from '../../client/src/lib/transport/webrtcMesh.ts';
  const SimplePeer: SimplePeerConstructor;
  export default SimplePeer;
}
