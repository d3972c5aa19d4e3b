import { chmodSync, lstatSync, mkdirSync, readdirSync } from "node:fs";
import path from "node:path";

/** Owner-only modes for the embedded database's directory and everything in it. */
export const DIR_MODE = 0o700;
export const FILE_MODE = 0o600;

/** Creates the data directory owner-only (mkdir's mode is subject to the umask; the chmod is not). */
export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: DIR_MODE });
  chmodSync(dir, DIR_MODE);
}

/**
 * Makes the data directory and everything under it owner-only: directories 0700, files 0600.
 *
 * PGlite unpacks its initial cluster with mode 0666 whatever the process umask (Emscripten's
 * file system sets modes itself), and files PostgreSQL creates later come out 0644, so a umask
 * cannot do this; a walk after opening can. It runs on every open, so installs created before
 * this existed are tightened on their next start. Symbolic links are left alone (chmod would
 * follow them out of the directory).
 */
export function tightenDataDir(dir: string): void {
  ensurePrivateDir(dir);
  const walk = (at: string) => {
    for (const entry of readdirSync(at, { withFileTypes: true })) {
      const full = path.join(at, entry.name);
      if (entry.isDirectory()) {
        chmodSync(full, DIR_MODE);
        walk(full);
      } else if (entry.isFile()) {
        if ((lstatSync(full).mode & 0o777) !== FILE_MODE) chmodSync(full, FILE_MODE);
      }
    }
  };
  walk(dir);
}
