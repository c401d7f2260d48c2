const shim = new URL('./fs-with-glob.mjs', import.meta.url).href;

export async function resolve(specifier, context, nextResolve) {
  if ((specifier === 'node:fs' || specifier === 'fs') && context.parentURL?.includes('/@mikro-orm/')) {
    return { url: shim, shortCircuit: true };
  }
  return nextResolve(specifier, context);
}
