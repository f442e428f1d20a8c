/**
 * What --delete may clean on a host, judged by the folder's real path as the host resolved it
 * (symlinks and `..` followed after the parents were created), not by how DEST was spelled:
 * `/srv/..`, `~/..` and `../..` are all `/`. Pure, so every rule is a unit test.
 */

/** Top-level folders of the system: cleaning one of them breaks the host. */
const SYSTEM_FOLDERS = ['/etc', '/usr', '/bin', '/boot', '/var', '/sbin', '/proc', '/sys', '/dev'];

/** /lib, /lib32, /lib64, /libx32, … */
const LIB_FOLDER = /^\/lib[^/]*$/;

/**
 * Which rule refuses --delete of `root` (real path) on a host whose login folder is `home`
 * (real path), or undefined when it may be cleaned.
 */
export function dangerousDeleteRoot(root: string, home: string): string | undefined {
  if (root === '/') return 'it is the root folder /';
  if (root === home) return `it is the login home folder (${home})`;
  if (home.startsWith(root === '/' ? '/' : `${root}/`)) return `it holds the login home folder (${home})`;
  if (SYSTEM_FOLDERS.includes(root) || LIB_FOLDER.test(root)) return `it is the system folder ${root}`;
  return undefined;
}

/** The one-line refusal for a host's outcome. */
export function deleteRefusal(dest: string, root: string, why: string): string {
  const shown = dest === root ? dest : `${dest} (${root} on the host)`;
  return `--delete refused: ${shown}: ${why}; nothing was changed (--force-delete-dangerous to clean it anyway)`;
}
