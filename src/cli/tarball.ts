import { gzipSync } from 'node:zlib';

/** One file of a tarball. */
export interface TarEntry {
  /** POSIX path inside the archive, e.g. `package/dist/cli/main.js`. */
  path: string;
  content: Uint8Array;
  /** Executable (mode 0755) or not (0644): the only distinction npm keeps. */
  executable?: boolean;
}

/**
 * The modification time npm gives every entry of a package tarball (node-tar's `portable`
 * date, 1985-10-26T08:15:00Z), so packing the same files twice gives the same bytes.
 */
const PORTABLE_MTIME = Date.UTC(1985, 9, 26, 8, 15, 0) / 1000;

const BLOCK = 512;
const encoder = new TextEncoder();

/** Writes `value` as a zero-padded octal number of `width - 1` digits and a NUL. */
function octal(header: Uint8Array, offset: number, width: number, value: number): void {
  const digits = value.toString(8).padStart(width - 1, '0');
  if (digits.length > width - 1) throw new RangeError(`tar: ${value} does not fit ${width} bytes`);
  header.set(encoder.encode(digits + '\0'), offset);
}

/**
 * A ustar name that does not fit the 100-byte name field is split at a `/` into a prefix
 * (at most 155 bytes) and a name (at most 100), as POSIX.1-1988 allows.
 */
function splitName(entryPath: string): { name: string; prefix: string } {
  if (encoder.encode(entryPath).length <= 100) return { name: entryPath, prefix: '' };
  for (let i = entryPath.indexOf('/'); i !== -1; i = entryPath.indexOf('/', i + 1)) {
    const prefix = entryPath.slice(0, i);
    const name = entryPath.slice(i + 1);
    if (encoder.encode(prefix).length <= 155 && encoder.encode(name).length <= 100) {
      return { name, prefix };
    }
  }
  throw new RangeError(`tar: the path '${entryPath}' is too long for a ustar header`);
}

function header(entry: TarEntry): Uint8Array {
  const block = new Uint8Array(BLOCK);
  const { name, prefix } = splitName(entry.path);
  block.set(encoder.encode(name), 0);
  octal(block, 100, 8, entry.executable ? 0o755 : 0o644);
  octal(block, 108, 8, 0); // uid
  octal(block, 116, 8, 0); // gid
  octal(block, 124, 12, entry.content.byteLength);
  octal(block, 136, 12, PORTABLE_MTIME);
  block.set(encoder.encode('        '), 148); // the checksum field counts as spaces
  block[156] = '0'.charCodeAt(0); // a regular file
  block.set(encoder.encode('ustar\0' + '00'), 257);
  block.set(encoder.encode(prefix), 345);
  let sum = 0;
  for (const byte of block) sum += byte;
  block.set(encoder.encode(sum.toString(8).padStart(6, '0') + '\0 '), 148);
  return block;
}

/**
 * A gzip-compressed POSIX ustar archive of `entries`, in the given order, as `npm pack` writes
 * them: regular files only, mode 0644 or 0755, owner 0, one fixed date. Used to pack the
 * runtime into a project's `vendor/` folder without spawning npm, and by tests to build the
 * prebuilt-binary archives prebuild-install reads.
 *
 * @example
 * const tgz = createTarball([{ path: 'package/package.json', content: bytes }]);
 */
export function createTarball(entries: readonly TarEntry[]): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const entry of entries) {
    parts.push(header(entry), entry.content);
    const padding = (BLOCK - (entry.content.byteLength % BLOCK)) % BLOCK;
    if (padding) parts.push(new Uint8Array(padding));
  }
  parts.push(new Uint8Array(BLOCK * 2)); // end of archive
  const size = parts.reduce((total, part) => total + part.byteLength, 0);
  const tar = new Uint8Array(size);
  let offset = 0;
  for (const part of parts) {
    tar.set(part, offset);
    offset += part.byteLength;
  }
  return new Uint8Array(gzipSync(tar));
}
