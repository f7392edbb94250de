/**
 * Entry points that start a new thread or process (a training thread, a forked worker) must name
 * the file in the same form as the module naming it: `.ts` when the sources run through tsx
 * (`npm start`, tests), `.js` in the compiled build (`npm run build`, the Docker image).
 */

/** True when `moduleUrl` is a compiled `.js` module, false under tsx. */
export function isCompiled(moduleUrl: string): boolean {
  return !moduleUrl.endsWith('.ts');
}

/** The URL of `path` (relative, without extension) from `moduleUrl`, with that module's extension. */
export function entryUrl(path: string, moduleUrl: string): URL {
  return new URL(`${path}${isCompiled(moduleUrl) ? '.js' : '.ts'}`, moduleUrl);
}
