/** Svelte compiler options; TypeScript in components needs no preprocessor with Svelte 5. */
export default {};
