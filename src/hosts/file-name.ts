/** A file name for a host (per-host output files, get-all's folders): its name, with anything a path could misread replaced. */
export function hostFileName(host: string): string {
  return host.replace(/[^A-Za-z0-9._@:[\]-]/g, '_').replace(/^\.+/, '_');
}
