import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';

/** Where `npm run dev` forwards Socket.IO and the HTTP API: the signaling server started by `npm start`. */
const SERVER = process.env.PEERLAB_SERVER ?? 'http://localhost:8080';

export default defineConfig({
  plugins: [svelte()],
  server: {
    proxy: {
      '/socket.io': { target: SERVER, ws: true },
      '/api': { target: SERVER },
    },
  },
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022' },
});
