/**
 * `zlibCompress(data)`: the exact bytes of CPython's `zlib.compress(data)` (level 6, 32 KiB
 * window, memLevel 8, default strategy, zlib 1.2.x), which Django's signing uses for
 * `compress=True`.
 *
 * Why not `node:zlib`: Node bundles Chromium's zlib fork, whose SIMD hashing finds different
 * matches, so its output differs from CPython's for most inputs, even ~100-byte session
 * payloads, and it even flips Django's "compress only if it saves more than one byte"
 * decision. Both decompress fine, but the signed strings differ. This is a straight port of
 * reference zlib's `deflate_slow` + `trees.c` (as pako did), checked against real CPython
 * output in test/runtime/core/deflate.test.ts. Decompression stays with `node:zlib`.
 *
 * Why not pako: pako 3.0.3 with `legacyHash: true` is byte-identical to CPython (every vector,
 * 45,000 fuzzed inputs; its default hash matches `node:zlib` instead), but `pako.deflate`
 * builds ~270 KB of fresh state per call and was 1.7-10x slower on 100 B-4 KB session
 * payloads (docs/architecture.md has the figures).
 *
 * Single-shot and synchronous, so one module-level state is reused between calls (no
 * per-call allocation beyond the output buffer).
 */

const MIN_MATCH = 3;
const MAX_MATCH = 258;
const MIN_LOOKAHEAD = MAX_MATCH + MIN_MATCH + 1;
const W_BITS = 15;
const W_SIZE = 1 << W_BITS;
const W_MASK = W_SIZE - 1;
const WINDOW_SIZE = 2 * W_SIZE;
const MAX_DIST = W_SIZE - MIN_LOOKAHEAD;
const HASH_BITS = 8 + 7; // memLevel 8
const HASH_SIZE = 1 << HASH_BITS;
const HASH_MASK = HASH_SIZE - 1;
const HASH_SHIFT = Math.floor((HASH_BITS + MIN_MATCH - 1) / MIN_MATCH);
const LIT_BUFSIZE = 1 << (8 + 6); // memLevel 8
const TOO_FAR = 4096;

// Level 6 of zlib's configuration_table: good, lazy, nice, chain.
const GOOD_MATCH = 8;
const MAX_LAZY_MATCH = 16;
const NICE_MATCH = 128;
const MAX_CHAIN = 128;

const LENGTH_CODES = 29;
const LITERALS = 256;
const L_CODES = LITERALS + 1 + LENGTH_CODES;
const D_CODES = 30;
const BL_CODES = 19;
const HEAP_SIZE = 2 * L_CODES + 1;
const MAX_BITS = 15;
const MAX_BL_BITS = 7;
const END_BLOCK = 256;
const REP_3_6 = 16;
const REPZ_3_10 = 17;
const REPZ_11_138 = 18;

const EXTRA_LBITS = [
  0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0,
];
const EXTRA_DBITS = [
  0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13,
];
const EXTRA_BLBITS = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 3, 7];
const BL_ORDER = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];

// Static tables (trees.c tr_static_init). Trees are [code, len] pairs flattened: tree[n*2] is
// the frequency or code, tree[n*2+1] the dad or length, as in zlib's ct_data union.
const staticLtree = new Uint16Array((L_CODES + 2) * 2);
const staticDtree = new Uint16Array(D_CODES * 2);
const distCode = new Uint8Array(512);
const lengthCode = new Uint8Array(MAX_MATCH - MIN_MATCH + 1);
const baseLength = new Int32Array(LENGTH_CODES);
const baseDist = new Int32Array(D_CODES);

function biReverse(code: number, len: number): number {
  let res = 0;
  do {
    res |= code & 1;
    code >>>= 1;
    res <<= 1;
  } while (--len > 0);
  return res >>> 1;
}

const nextCode = new Uint16Array(MAX_BITS + 1);

function genCodes(tree: Uint16Array, maxCode: number, blCount: Uint16Array): void {
  let code = 0;
  for (let bits = 1; bits <= MAX_BITS; bits++) {
    code = (code + blCount[bits - 1]!) << 1;
    nextCode[bits] = code;
  }
  for (let n = 0; n <= maxCode; n++) {
    const len = tree[n * 2 + 1]!;
    if (len === 0) continue;
    tree[n * 2] = biReverse(nextCode[len]!++, len);
  }
}

(function initStaticTables() {
  let length = 0;
  let code: number;
  for (code = 0; code < LENGTH_CODES - 1; code++) {
    baseLength[code] = length;
    for (let n = 0; n < 1 << EXTRA_LBITS[code]!; n++) lengthCode[length++] = code;
  }
  // Length 258 gets its own code (28), overwriting the last entry of code 27.
  lengthCode[length - 1] = code;
  let dist = 0;
  for (code = 0; code < 16; code++) {
    baseDist[code] = dist;
    for (let n = 0; n < 1 << EXTRA_DBITS[code]!; n++) distCode[dist++] = code;
  }
  dist >>= 7;
  for (; code < D_CODES; code++) {
    baseDist[code] = dist << 7;
    for (let n = 0; n < 1 << (EXTRA_DBITS[code]! - 7); n++) distCode[256 + dist++] = code;
  }
  const blCount = new Uint16Array(MAX_BITS + 1);
  let n = 0;
  for (; n <= 143; n++, blCount[8]!++) staticLtree[n * 2 + 1] = 8;
  for (; n <= 255; n++, blCount[9]!++) staticLtree[n * 2 + 1] = 9;
  for (; n <= 279; n++, blCount[7]!++) staticLtree[n * 2 + 1] = 7;
  for (; n <= 287; n++, blCount[8]!++) staticLtree[n * 2 + 1] = 8;
  genCodes(staticLtree, L_CODES + 1, blCount);
  for (n = 0; n < D_CODES; n++) {
    staticDtree[n * 2 + 1] = 5;
    staticDtree[n * 2] = biReverse(n, 5);
  }
})();

function dCode(dist: number): number {
  return dist < 256 ? distCode[dist]! : distCode[256 + (dist >>> 7)]!;
}

/** One tree being built: the dynamic tree plus its static counterpart's parameters. */
interface TreeDesc {
  dynTree: Uint16Array;
  maxCode: number;
  staticTree: Uint16Array | null;
  extraBits: number[];
  extraBase: number;
  elems: number;
  maxLength: number;
}

class Deflater {
  // Match finding (deflate.c).
  readonly window = new Uint8Array(WINDOW_SIZE);
  readonly prev = new Uint16Array(W_SIZE);
  readonly head = new Uint16Array(HASH_SIZE);
  /** False when `head` may hold entries from the previous call. */
  headClean = true;
  input: Uint8Array = new Uint8Array(0);
  nextIn = 0;
  insH = 0;
  strstart = 0;
  blockStart = 0;
  lookahead = 0;
  insert = 0;
  matchLength = 0;
  prevLength = 0;
  matchStart = 0;
  prevMatch = 0;
  matchAvailable = false;

  // Symbol buffer and trees (trees.c).
  readonly symDist = new Uint16Array(LIT_BUFSIZE);
  readonly symLc = new Uint8Array(LIT_BUFSIZE);
  lastLit = 0;
  readonly dynLtree = new Uint16Array(HEAP_SIZE * 2);
  readonly dynDtree = new Uint16Array((2 * D_CODES + 1) * 2);
  readonly blTree = new Uint16Array((2 * BL_CODES + 1) * 2);
  readonly lDesc: TreeDesc = {
    dynTree: this.dynLtree,
    maxCode: 0,
    staticTree: staticLtree,
    extraBits: EXTRA_LBITS,
    extraBase: LITERALS + 1,
    elems: L_CODES,
    maxLength: MAX_BITS,
  };
  readonly dDesc: TreeDesc = {
    dynTree: this.dynDtree,
    maxCode: 0,
    staticTree: staticDtree,
    extraBits: EXTRA_DBITS,
    extraBase: 0,
    elems: D_CODES,
    maxLength: MAX_BITS,
  };
  readonly blDesc: TreeDesc = {
    dynTree: this.blTree,
    maxCode: 0,
    staticTree: null,
    extraBits: EXTRA_BLBITS,
    extraBase: 0,
    elems: BL_CODES,
    maxLength: MAX_BL_BITS,
  };
  readonly blCount = new Uint16Array(MAX_BITS + 1);
  readonly heap = new Int32Array(2 * L_CODES + 1);
  heapLen = 0;
  heapMax = 0;
  readonly depth = new Uint8Array(2 * L_CODES + 1);
  optLen = 0;
  staticLen = 0;

  // Output.
  out: Uint8Array = new Uint8Array(0);
  pending = 0;
  biBuf = 0;
  biValid = 0;

  compress(input: Uint8Array): Buffer {
    const n = input.length;
    // deflateBound() for the zlib wrapper: always enough, so the output never grows.
    this.out = new Uint8Array(n + (n >>> 12) + (n >>> 14) + (n >>> 25) + 13 + 6 + 8);
    this.pending = 0;
    this.biBuf = 0;
    this.biValid = 0;
    this.input = input;
    this.nextIn = 0;
    // A fresh zlib stream reads zeros wherever the window was never written (WIN_INIT).
    this.window.fill(0, 0, Math.min(WINDOW_SIZE, n + MAX_MATCH + MIN_MATCH + 1));
    if (!this.headClean) this.head.fill(0);
    this.strstart = 0;
    this.blockStart = 0;
    this.lookahead = 0;
    this.insert = 0;
    this.matchLength = this.prevLength = MIN_MATCH - 1;
    this.matchAvailable = false;
    this.insH = 0;
    this.initBlock();

    // zlib header for deflate, 32K window, level 6 (FLEVEL 2): 0x78 0x9c.
    this.out[this.pending++] = 0x78;
    this.out[this.pending++] = 0x9c;
    this.deflateSlow();
    const adler = adler32(input);
    this.out[this.pending++] = (adler >>> 24) & 0xff;
    this.out[this.pending++] = (adler >>> 16) & 0xff;
    this.out[this.pending++] = (adler >>> 8) & 0xff;
    this.out[this.pending++] = adler & 0xff;
    const result = Buffer.from(this.out.buffer, 0, this.pending);
    this.cleanHead(n);
    this.input = new Uint8Array(0);
    this.out = new Uint8Array(0);
    return result;
  }

  /**
   * Empties the hash heads for the next call. Small inputs never slide the window, so every
   * head entry set was the hash of some input triple: zeroing those few is much cheaper than
   * clearing all 32K entries (which large inputs still do, lazily, at the next call).
   */
  cleanHead(n: number): void {
    if (n > W_SIZE) {
      this.headClean = false;
      return;
    }
    const win = this.window;
    const head = this.head;
    for (let p = 0; p + 2 < n; p++) {
      head[
        ((win[p]! << (2 * HASH_SHIFT)) ^ (win[p + 1]! << HASH_SHIFT) ^ win[p + 2]!) & HASH_MASK
      ] = 0;
    }
    this.headClean = true;
  }

  // ----- deflate.c -------------------------------------------------------------------------

  readBuf(start: number, size: number): number {
    let len = this.input.length - this.nextIn;
    if (len > size) len = size;
    if (len === 0) return 0;
    this.window.set(this.input.subarray(this.nextIn, this.nextIn + len), start);
    this.nextIn += len;
    return len;
  }

  fillWindow(): void {
    const win = this.window;
    do {
      let more = WINDOW_SIZE - this.lookahead - this.strstart;
      if (this.strstart >= W_SIZE + MAX_DIST) {
        win.copyWithin(0, W_SIZE, W_SIZE + W_SIZE);
        this.matchStart -= W_SIZE;
        this.strstart -= W_SIZE;
        this.blockStart -= W_SIZE;
        // slide_hash
        const head = this.head;
        for (let p = 0; p < HASH_SIZE; p++) {
          const m = head[p]!;
          head[p] = m >= W_SIZE ? m - W_SIZE : 0;
        }
        const prev = this.prev;
        for (let p = 0; p < W_SIZE; p++) {
          const m = prev[p]!;
          prev[p] = m >= W_SIZE ? m - W_SIZE : 0;
        }
        more += W_SIZE;
      }
      if (this.nextIn >= this.input.length) break;
      const n = this.readBuf(this.strstart + this.lookahead, more);
      this.lookahead += n;
      if (this.lookahead + this.insert >= MIN_MATCH) {
        let str = this.strstart - this.insert;
        this.insH = win[str]!;
        this.insH = ((this.insH << HASH_SHIFT) ^ win[str + 1]!) & HASH_MASK;
        while (this.insert) {
          this.insH = ((this.insH << HASH_SHIFT) ^ win[str + MIN_MATCH - 1]!) & HASH_MASK;
          this.prev[str & W_MASK] = this.head[this.insH]!;
          this.head[this.insH] = str;
          str++;
          this.insert--;
          if (this.lookahead + this.insert < MIN_MATCH) break;
        }
      }
    } while (this.lookahead < MIN_LOOKAHEAD && this.nextIn < this.input.length);
  }

  longestMatch(curMatch: number): number {
    let chainLength = MAX_CHAIN;
    let scan = this.strstart;
    let bestLen = this.prevLength;
    let niceMatch = NICE_MATCH;
    const limit = this.strstart > MAX_DIST ? this.strstart - MAX_DIST : 0;
    const win = this.window;
    const prev = this.prev;
    const strend = this.strstart + MAX_MATCH;
    let scanEnd1 = win[scan + bestLen - 1]!;
    let scanEnd = win[scan + bestLen]!;
    if (this.prevLength >= GOOD_MATCH) chainLength >>= 2;
    if (niceMatch > this.lookahead) niceMatch = this.lookahead;
    do {
      let match = curMatch;
      if (
        win[match + bestLen] !== scanEnd ||
        win[match + bestLen - 1] !== scanEnd1 ||
        win[match] !== win[scan] ||
        win[++match] !== win[scan + 1]
      ) {
        continue;
      }
      scan += 2;
      match++;
      // scan[2] and match[2] are equal when the hashes are; compare from index 3 on.
      while (
        win[++scan] === win[++match] &&
        win[++scan] === win[++match] &&
        win[++scan] === win[++match] &&
        win[++scan] === win[++match] &&
        win[++scan] === win[++match] &&
        win[++scan] === win[++match] &&
        win[++scan] === win[++match] &&
        win[++scan] === win[++match] &&
        scan < strend
      );
      const len = MAX_MATCH - (strend - scan);
      scan = strend - MAX_MATCH;
      if (len > bestLen) {
        this.matchStart = curMatch;
        bestLen = len;
        if (len >= niceMatch) break;
        scanEnd1 = win[scan + bestLen - 1]!;
        scanEnd = win[scan + bestLen]!;
      }
    } while ((curMatch = prev[curMatch & W_MASK]!) > limit && --chainLength !== 0);
    return bestLen <= this.lookahead ? bestLen : this.lookahead;
  }

  insertString(): number {
    this.insH =
      ((this.insH << HASH_SHIFT) ^ this.window[this.strstart + MIN_MATCH - 1]!) & HASH_MASK;
    const hashHead = this.head[this.insH]!;
    this.prev[this.strstart & W_MASK] = hashHead;
    this.head[this.insH] = this.strstart;
    return hashHead;
  }

  flushBlockOnly(last: boolean): void {
    this.trFlushBlock(
      this.blockStart >= 0 ? this.blockStart : -1,
      this.strstart - this.blockStart,
      last,
    );
    this.blockStart = this.strstart;
  }

  /** deflate_slow() with flush = Z_FINISH and all input available. */
  deflateSlow(): void {
    for (;;) {
      if (this.lookahead < MIN_LOOKAHEAD) {
        this.fillWindow();
        if (this.lookahead === 0) break;
      }
      let hashHead = 0;
      if (this.lookahead >= MIN_MATCH) hashHead = this.insertString();

      this.prevLength = this.matchLength;
      this.prevMatch = this.matchStart;
      this.matchLength = MIN_MATCH - 1;

      if (
        hashHead !== 0 &&
        this.prevLength < MAX_LAZY_MATCH &&
        this.strstart - hashHead <= MAX_DIST
      ) {
        this.matchLength = this.longestMatch(hashHead);
        if (
          this.matchLength <= 5 &&
          this.matchLength === MIN_MATCH &&
          this.strstart - this.matchStart > TOO_FAR
        ) {
          this.matchLength = MIN_MATCH - 1;
        }
      }

      if (this.prevLength >= MIN_MATCH && this.matchLength <= this.prevLength) {
        const maxInsert = this.strstart + this.lookahead - MIN_MATCH;
        const bflush = this.trTally(
          this.strstart - 1 - this.prevMatch,
          this.prevLength - MIN_MATCH,
        );
        this.lookahead -= this.prevLength - 1;
        this.prevLength -= 2;
        do {
          if (++this.strstart <= maxInsert) this.insertString();
        } while (--this.prevLength !== 0);
        this.matchAvailable = false;
        this.matchLength = MIN_MATCH - 1;
        this.strstart++;
        if (bflush) this.flushBlockOnly(false);
      } else if (this.matchAvailable) {
        const bflush = this.trTally(0, this.window[this.strstart - 1]!);
        if (bflush) this.flushBlockOnly(false);
        this.strstart++;
        this.lookahead--;
      } else {
        this.matchAvailable = true;
        this.strstart++;
        this.lookahead--;
      }
    }
    if (this.matchAvailable) {
      this.trTally(0, this.window[this.strstart - 1]!);
      this.matchAvailable = false;
    }
    this.insert = this.strstart < MIN_MATCH - 1 ? this.strstart : MIN_MATCH - 1;
    this.flushBlockOnly(true);
  }

  // ----- trees.c ---------------------------------------------------------------------------

  putByte(b: number): void {
    this.out[this.pending++] = b;
  }

  putShort(w: number): void {
    this.out[this.pending++] = w & 0xff;
    this.out[this.pending++] = (w >>> 8) & 0xff;
  }

  sendBits(value: number, length: number): void {
    if (this.biValid > 16 - length) {
      this.biBuf |= (value << this.biValid) & 0xffff;
      this.putShort(this.biBuf);
      this.biBuf = value >> (16 - this.biValid);
      this.biValid += length - 16;
    } else {
      this.biBuf |= (value << this.biValid) & 0xffff;
      this.biValid += length;
    }
  }

  sendCode(c: number, tree: Uint16Array): void {
    this.sendBits(tree[c * 2]!, tree[c * 2 + 1]!);
  }

  biWindup(): void {
    if (this.biValid > 8) this.putShort(this.biBuf);
    else if (this.biValid > 0) this.putByte(this.biBuf);
    this.biBuf = 0;
    this.biValid = 0;
  }

  initBlock(): void {
    for (let n = 0; n < L_CODES; n++) this.dynLtree[n * 2] = 0;
    for (let n = 0; n < D_CODES; n++) this.dynDtree[n * 2] = 0;
    for (let n = 0; n < BL_CODES; n++) this.blTree[n * 2] = 0;
    this.dynLtree[END_BLOCK * 2] = 1;
    this.optLen = this.staticLen = 0;
    this.lastLit = 0;
  }

  trTally(dist: number, lc: number): boolean {
    this.symDist[this.lastLit] = dist;
    this.symLc[this.lastLit] = lc;
    this.lastLit++;
    if (dist === 0) {
      this.dynLtree[lc * 2]!++;
    } else {
      dist--;
      this.dynLtree[(lengthCode[lc]! + LITERALS + 1) * 2]!++;
      this.dynDtree[dCode(dist) * 2]!++;
    }
    return this.lastLit === LIT_BUFSIZE - 1;
  }

  smaller(tree: Uint16Array, n: number, m: number): boolean {
    const fn = tree[n * 2]!;
    const fm = tree[m * 2]!;
    return fn < fm || (fn === fm && this.depth[n]! <= this.depth[m]!);
  }

  pqdownheap(tree: Uint16Array, k: number): void {
    const heap = this.heap;
    const v = heap[k]!;
    let j = k << 1;
    while (j <= this.heapLen) {
      if (j < this.heapLen && this.smaller(tree, heap[j + 1]!, heap[j]!)) j++;
      if (this.smaller(tree, v, heap[j]!)) break;
      heap[k] = heap[j]!;
      k = j;
      j <<= 1;
    }
    heap[k] = v;
  }

  genBitlen(desc: TreeDesc): void {
    const tree = desc.dynTree;
    const maxCode = desc.maxCode;
    const stree = desc.staticTree;
    const extra = desc.extraBits;
    const base = desc.extraBase;
    const maxLength = desc.maxLength;
    const heap = this.heap;
    const blCount = this.blCount;
    let overflow = 0;
    blCount.fill(0);
    tree[heap[this.heapMax]! * 2 + 1] = 0;
    let h: number;
    for (h = this.heapMax + 1; h < HEAP_SIZE; h++) {
      const n = heap[h]!;
      let bits = tree[tree[n * 2 + 1]! * 2 + 1]! + 1;
      if (bits > maxLength) {
        bits = maxLength;
        overflow++;
      }
      tree[n * 2 + 1] = bits;
      if (n > maxCode) continue;
      blCount[bits]!++;
      const xbits = n >= base ? extra[n - base]! : 0;
      const f = tree[n * 2]!;
      this.optLen += f * (bits + xbits);
      if (stree) this.staticLen += f * (stree[n * 2 + 1]! + xbits);
    }
    if (overflow === 0) return;
    do {
      let bits = maxLength - 1;
      while (blCount[bits] === 0) bits--;
      blCount[bits]!--;
      blCount[bits + 1]! += 2;
      blCount[maxLength]!--;
      overflow -= 2;
    } while (overflow > 0);
    for (let bits = maxLength; bits !== 0; bits--) {
      let n = blCount[bits]!;
      while (n !== 0) {
        const m = heap[--h]!;
        if (m > maxCode) continue;
        if (tree[m * 2 + 1] !== bits) {
          this.optLen += (bits - tree[m * 2 + 1]!) * tree[m * 2]!;
          tree[m * 2 + 1] = bits;
        }
        n--;
      }
    }
  }

  buildTree(desc: TreeDesc): void {
    const tree = desc.dynTree;
    const stree = desc.staticTree;
    const elems = desc.elems;
    const heap = this.heap;
    let maxCode = -1;
    this.heapLen = 0;
    this.heapMax = HEAP_SIZE;
    for (let n = 0; n < elems; n++) {
      if (tree[n * 2] !== 0) {
        heap[++this.heapLen] = maxCode = n;
        this.depth[n] = 0;
      } else {
        tree[n * 2 + 1] = 0;
      }
    }
    // The pkzip format requires at least one distance code and at least two codes overall.
    while (this.heapLen < 2) {
      const node = (heap[++this.heapLen] = maxCode < 2 ? ++maxCode : 0);
      tree[node * 2] = 1;
      this.depth[node] = 0;
      this.optLen--;
      if (stree) this.staticLen -= stree[node * 2 + 1]!;
    }
    desc.maxCode = maxCode;
    for (let n = this.heapLen >> 1; n >= 1; n--) this.pqdownheap(tree, n);
    let node = elems;
    do {
      const n = heap[1]!;
      heap[1] = heap[this.heapLen--]!;
      this.pqdownheap(tree, 1);
      const m = heap[1]!;
      heap[--this.heapMax] = n;
      heap[--this.heapMax] = m;
      tree[node * 2] = tree[n * 2]! + tree[m * 2]!;
      this.depth[node] = (this.depth[n]! >= this.depth[m]! ? this.depth[n]! : this.depth[m]!) + 1;
      tree[n * 2 + 1] = tree[m * 2 + 1] = node;
      heap[1] = node++;
      this.pqdownheap(tree, 1);
    } while (this.heapLen >= 2);
    heap[--this.heapMax] = heap[1]!;
    this.genBitlen(desc);
    genCodes(tree, maxCode, this.blCount);
  }

  scanTree(tree: Uint16Array, maxCode: number): void {
    let prevlen = -1;
    let nextlen = tree[1]!;
    let count = 0;
    let maxCount = 7;
    let minCount = 4;
    if (nextlen === 0) {
      maxCount = 138;
      minCount = 3;
    }
    tree[(maxCode + 1) * 2 + 1] = 0xffff; // guard
    for (let n = 0; n <= maxCode; n++) {
      const curlen = nextlen;
      nextlen = tree[(n + 1) * 2 + 1]!;
      if (++count < maxCount && curlen === nextlen) continue;
      else if (count < minCount) this.blTree[curlen * 2]! += count;
      else if (curlen !== 0) {
        if (curlen !== prevlen) this.blTree[curlen * 2]!++;
        this.blTree[REP_3_6 * 2]!++;
      } else if (count <= 10) this.blTree[REPZ_3_10 * 2]!++;
      else this.blTree[REPZ_11_138 * 2]!++;
      count = 0;
      prevlen = curlen;
      if (nextlen === 0) {
        maxCount = 138;
        minCount = 3;
      } else if (curlen === nextlen) {
        maxCount = 6;
        minCount = 3;
      } else {
        maxCount = 7;
        minCount = 4;
      }
    }
  }

  sendTree(tree: Uint16Array, maxCode: number): void {
    let prevlen = -1;
    let nextlen = tree[1]!;
    let count = 0;
    let maxCount = 7;
    let minCount = 4;
    if (nextlen === 0) {
      maxCount = 138;
      minCount = 3;
    }
    for (let n = 0; n <= maxCode; n++) {
      const curlen = nextlen;
      nextlen = tree[(n + 1) * 2 + 1]!;
      if (++count < maxCount && curlen === nextlen) continue;
      else if (count < minCount) {
        do this.sendCode(curlen, this.blTree);
        while (--count !== 0);
      } else if (curlen !== 0) {
        if (curlen !== prevlen) {
          this.sendCode(curlen, this.blTree);
          count--;
        }
        this.sendCode(REP_3_6, this.blTree);
        this.sendBits(count - 3, 2);
      } else if (count <= 10) {
        this.sendCode(REPZ_3_10, this.blTree);
        this.sendBits(count - 3, 3);
      } else {
        this.sendCode(REPZ_11_138, this.blTree);
        this.sendBits(count - 11, 7);
      }
      count = 0;
      prevlen = curlen;
      if (nextlen === 0) {
        maxCount = 138;
        minCount = 3;
      } else if (curlen === nextlen) {
        maxCount = 6;
        minCount = 3;
      } else {
        maxCount = 7;
        minCount = 4;
      }
    }
  }

  buildBlTree(): number {
    this.scanTree(this.dynLtree, this.lDesc.maxCode);
    this.scanTree(this.dynDtree, this.dDesc.maxCode);
    this.buildTree(this.blDesc);
    let maxBlindex: number;
    for (maxBlindex = BL_CODES - 1; maxBlindex >= 3; maxBlindex--) {
      if (this.blTree[BL_ORDER[maxBlindex]! * 2 + 1] !== 0) break;
    }
    this.optLen += 3 * (maxBlindex + 1) + 5 + 5 + 4;
    return maxBlindex;
  }

  sendAllTrees(lcodes: number, dcodes: number, blcodes: number): void {
    this.sendBits(lcodes - 257, 5);
    this.sendBits(dcodes - 1, 5);
    this.sendBits(blcodes - 4, 4);
    for (let rank = 0; rank < blcodes; rank++)
      this.sendBits(this.blTree[BL_ORDER[rank]! * 2 + 1]!, 3);
    this.sendTree(this.dynLtree, lcodes - 1);
    this.sendTree(this.dynDtree, dcodes - 1);
  }

  compressBlock(ltree: Uint16Array, dtree: Uint16Array): void {
    for (let lx = 0; lx < this.lastLit; lx++) {
      let dist = this.symDist[lx]!;
      let lc = this.symLc[lx]!;
      if (dist === 0) {
        this.sendCode(lc, ltree);
      } else {
        let code = lengthCode[lc]!;
        this.sendCode(code + LITERALS + 1, ltree);
        let extra = EXTRA_LBITS[code]!;
        if (extra !== 0) {
          lc -= baseLength[code]!;
          this.sendBits(lc, extra);
        }
        dist--;
        code = dCode(dist);
        this.sendCode(code, dtree);
        extra = EXTRA_DBITS[code]!;
        if (extra !== 0) {
          dist -= baseDist[code]!;
          this.sendBits(dist, extra);
        }
      }
    }
    this.sendCode(END_BLOCK, ltree);
  }

  trStoredBlock(buf: number, storedLen: number, last: boolean): void {
    this.sendBits(last ? 1 : 0, 3); // STORED_BLOCK << 1
    this.biWindup();
    this.putShort(storedLen);
    this.putShort(~storedLen & 0xffff);
    this.out.set(this.window.subarray(buf, buf + storedLen), this.pending);
    this.pending += storedLen;
  }

  trFlushBlock(buf: number, storedLen: number, last: boolean): void {
    this.buildTree(this.lDesc);
    this.buildTree(this.dDesc);
    const maxBlindex = this.buildBlTree();
    let optLenb = (this.optLen + 3 + 7) >>> 3;
    const staticLenb = (this.staticLen + 3 + 7) >>> 3;
    if (staticLenb <= optLenb) optLenb = staticLenb;
    if (storedLen + 4 <= optLenb && buf !== -1) {
      this.trStoredBlock(buf, storedLen, last);
    } else if (staticLenb === optLenb) {
      this.sendBits((1 << 1) + (last ? 1 : 0), 3); // STATIC_TREES
      this.compressBlock(staticLtree, staticDtree);
    } else {
      this.sendBits((2 << 1) + (last ? 1 : 0), 3); // DYN_TREES
      this.sendAllTrees(this.lDesc.maxCode + 1, this.dDesc.maxCode + 1, maxBlindex + 1);
      this.compressBlock(this.dynLtree, this.dynDtree);
    }
    this.initBlock();
    if (last) this.biWindup();
  }
}

function adler32(data: Uint8Array): number {
  let a = 1;
  let b = 0;
  const len = data.length;
  let i = 0;
  while (i < len) {
    // 3800 keeps b below 2^31 between reductions (zlib's NMAX is 5552 for 32-bit unsigned).
    const end = Math.min(i + 3800, len);
    for (; i < end; i++) {
      a += data[i]!;
      b += a;
    }
    a %= 65521;
    b %= 65521;
  }
  return ((b << 16) | a) >>> 0;
}

let deflater: Deflater | undefined;

/**
 * CPython's `zlib.compress(data)`, byte for byte (see the module comment for why `node:zlib`
 * cannot be used). The output is a standard zlib stream that `node:zlib.inflateSync` reads.
 *
 * @example
 * zlibCompress(Buffer.from('{"a":"xxxxxxxxxxxxxxxxxxxx"}')); // <Buffer 78 9c ...>
 */
export function zlibCompress(data: Uint8Array): Buffer {
  deflater ??= new Deflater();
  return deflater.compress(data);
}

// zlibSizeLowerBound's scratch: an open-addressing set of 3-byte sequences (slots hold
// `trigram + 1` tagged with the call's stamp) and the byte frequencies.
const TRIGRAM_SLOTS = 8192;
const trigramKeys = new Int32Array(TRIGRAM_SLOTS);
const trigramStamps = new Int32Array(TRIGRAM_SLOTS);
let trigramStamp = 0;
const byteCounts = new Uint16Array(256);
/** Longest input the bound looks at: one deflate block, and the check stays cheap. */
const BOUND_MAX_INPUT = 4096;

/** True if some 3-byte sequence occurs twice in `data` (then LZ77 may find a match). */
function hasRepeatedTrigram(data: Uint8Array): boolean {
  if (++trigramStamp === 0x7fffffff) {
    trigramStamps.fill(0);
    trigramStamp = 1;
  }
  for (let p = 0; p + 2 < data.length; p++) {
    const key = ((data[p]! << 16) | (data[p + 1]! << 8) | data[p + 2]!) + 1;
    let slot = Math.imul(key, 0x9e3779b1) >>> 19; // 13 bits
    for (;;) {
      if (trigramStamps[slot] !== trigramStamp) {
        trigramStamps[slot] = trigramStamp;
        trigramKeys[slot] = key;
        break;
      }
      if (trigramKeys[slot] === key) return true;
      slot = (slot + 1) & (TRIGRAM_SLOTS - 1);
    }
  }
  return false;
}

/**
 * A lower bound on `zlibCompress(data).length`, computed without compressing, so callers can
 * skip an attempt that cannot pay off (Django keeps the compressed form only when it saves
 * at least two bytes, and short session payloads almost never do).
 *
 * When no 3-byte sequence repeats, deflate can only emit literals, and zlib's single block
 * costs at least `min(static, dynamic)` bits: static Huffman spends >= 8 bits per literal
 * plus 7 for the end-of-block code; a dynamic block spends at least the Shannon entropy of
 * the literal and end-of-block frequencies (no prefix code beats it, Kraft/Gibbs) plus 26
 * header bits (HLIT, HDIST, HCLEN and at least four 3-bit code-length codes). Add the 3-bit
 * block header, the final byte alignment, and zlib's 2-byte header and 4-byte Adler-32.
 * Otherwise (repeats, or longer than one block) the bound is the trivial 8 bytes.
 *
 * @example
 * zlibSizeLowerBound(Buffer.from('{"hit":12}')); // 15 (> 10 bytes): compressing cannot pay
 */
export function zlibSizeLowerBound(data: Uint8Array): number {
  const n = data.length;
  const trivial = 8; // header + adler + the shortest final block (10 bits)
  if (n > BOUND_MAX_INPUT || hasRepeatedTrigram(data)) return trivial;
  for (let i = 0; i < n; i++) byteCounts[data[i]!]!++;
  const symbols = n + 1; // the literals and one end-of-block code
  let entropyBits = Math.log2(symbols); // end-of-block: frequency 1
  for (let i = 0; i < n; i++) {
    const count = byteCounts[data[i]!]!;
    if (count === 0) continue; // this byte value was already summed
    entropyBits += count * Math.log2(symbols / count);
    byteCounts[data[i]!] = 0;
  }
  const staticBits = 8 * n + 7;
  const dynamicBits = entropyBits + 26 - 1e-6; // the epsilon keeps float rounding on the safe side
  const blockBytes = Math.ceil((3 + Math.min(staticBits, dynamicBits)) / 8);
  return Math.max(trivial, 2 + blockBytes + 4);
}
