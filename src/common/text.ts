/**
 * Text helpers both command-line programs share (`tango-admin` in src/cli and `manage.ts` in
 * src/runtime/management): Django's "Did you mean ...?" rule and Python's quoting of a value
 * in a message. src/common imports nothing of the CLI, the generator or the runtime, so each
 * of them may import it (docs/architecture.md, "Layers").
 */

/** Python's `_calculate_ratio`. */
function calculateRatio(matches: number, length: number): number {
  return length ? (2.0 * matches) / length : 1.0;
}

/**
 * Python's `difflib.SequenceMatcher` with `isjunk=None` and `autojunk=True`, reduced to what
 * `get_close_matches` asks of it: the similarity ratio of `a` and `b`, compared by code point
 * (Python's `str` elements). Ported from CPython's Lib/difflib.py (the Ratcliff/Obershelp
 * "gestalt pattern matching" algorithm): the longest matching block, then recursively the
 * longest blocks to its left and right; ratio = 2 * matched / (len(a) + len(b)). The port
 * keeps Python's tie-breaking, which makes the ratio asymmetric in rare cases.
 */
class SequenceMatcher {
  private a: string[] = [];
  private b: string[] = [];
  /** For each element of b, the indices where it occurs (popular elements removed). */
  private b2j = new Map<string, number[]>();
  private fullBCount?: Map<string, number>;

  /** `set_seq2`: the word every candidate is compared with (indexed once). */
  setSeq2(b: string): void {
    this.b = Array.from(b);
    this.fullBCount = undefined;
    this.b2j = new Map();
    this.b.forEach((element, i) => {
      const indices = this.b2j.get(element);
      if (indices) indices.push(i);
      else this.b2j.set(element, [i]);
    });
    // autojunk: in a sequence of 200 or more elements, those making up more than 1% + 1 of it
    // are "popular" and never start a match (they can still extend one).
    const n = this.b.length;
    if (n >= 200) {
      const ntest = Math.floor(n / 100) + 1;
      for (const [element, indices] of [...this.b2j]) {
        if (indices.length > ntest) this.b2j.delete(element);
      }
    }
  }

  /** `set_seq1`: the candidate. */
  setSeq1(a: string): void {
    this.a = Array.from(a);
  }

  /** `find_longest_match(alo, ahi, blo, bhi)`: [i, j, size] of the longest matching block. */
  private findLongestMatch(
    alo: number,
    ahi: number,
    blo: number,
    bhi: number,
  ): [number, number, number] {
    const { a, b, b2j } = this;
    let besti = alo;
    let bestj = blo;
    let bestsize = 0;
    let j2len = new Map<number, number>();
    for (let i = alo; i < ahi; i++) {
      const newj2len = new Map<number, number>();
      for (const j of b2j.get(a[i]!) ?? []) {
        if (j < blo) continue;
        if (j >= bhi) break;
        const k = (j2len.get(j - 1) ?? 0) + 1;
        newj2len.set(j, k);
        if (k > bestsize) {
          besti = i - k + 1;
          bestj = j - k + 1;
          bestsize = k;
        }
      }
      j2len = newj2len;
    }
    // Extend the match by equal elements on each side (popular elements are not junk, so they
    // may extend a match they could not start).
    while (besti > alo && bestj > blo && a[besti - 1] === b[bestj - 1]) {
      besti--;
      bestj--;
      bestsize++;
    }
    while (
      besti + bestsize < ahi &&
      bestj + bestsize < bhi &&
      a[besti + bestsize] === b[bestj + bestsize]
    ) {
      bestsize++;
    }
    return [besti, bestj, bestsize];
  }

  /** The number of matched elements over all of `get_matching_blocks()`. */
  private matches(): number {
    let total = 0;
    const queue: [number, number, number, number][] = [[0, this.a.length, 0, this.b.length]];
    while (queue.length > 0) {
      const [alo, ahi, blo, bhi] = queue.pop()!;
      const [i, j, k] = this.findLongestMatch(alo, ahi, blo, bhi);
      if (k) {
        total += k;
        if (alo < i && blo < j) queue.push([alo, i, blo, j]);
        if (i + k < ahi && j + k < bhi) queue.push([i + k, ahi, j + k, bhi]);
      }
    }
    return total;
  }

  /** `ratio()`: 2.0 * M / T, where T is the total number of elements and M the matches. */
  ratio(): number {
    return calculateRatio(this.matches(), this.a.length + this.b.length);
  }

  /** `quick_ratio()`: an upper bound on `ratio()` from the elements' counts alone. */
  quickRatio(): number {
    if (!this.fullBCount) {
      this.fullBCount = new Map();
      for (const element of this.b)
        this.fullBCount.set(element, (this.fullBCount.get(element) ?? 0) + 1);
    }
    const avail = new Map<string, number>();
    let matches = 0;
    for (const element of this.a) {
      const numb = avail.has(element) ? avail.get(element)! : (this.fullBCount.get(element) ?? 0);
      avail.set(element, numb - 1);
      if (numb > 0) matches++;
    }
    return calculateRatio(matches, this.a.length + this.b.length);
  }

  /** `real_quick_ratio()`: an upper bound on `ratio()` from the lengths alone. */
  realQuickRatio(): number {
    const la = this.a.length;
    const lb = this.b.length;
    return calculateRatio(Math.min(la, lb), la + lb);
  }
}

/**
 * Python's `SequenceMatcher(None, a, b).quick_ratio()`: twice the size of the multiset
 * intersection of the code points over the total length, an upper bound on the ratio (what
 * Django's UserAttributeSimilarityValidator compares with its threshold).
 *
 * @example
 * quickRatio('abcd', 'bcde'); // 0.75
 */
export function quickRatio(a: string, b: string): number {
  const matcher = new SequenceMatcher();
  matcher.setSeq2(b);
  matcher.setSeq1(a);
  return matcher.quickRatio();
}

/** Python's `str` ordering: by code point (JavaScript's `<` compares UTF-16 code units). */
function compareCodePoints(x: string, y: string): number {
  const a = Array.from(x, (c) => c.codePointAt(0)!);
  const b = Array.from(y, (c) => c.codePointAt(0)!);
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    if (a[i] !== b[i]) return a[i]! - b[i]!;
  }
  return a.length - b.length;
}

/**
 * Python's `difflib.get_close_matches(word, possibilities, n, cutoff)`, the rule behind
 * Django's "Unknown command: 'runserve'. Did you mean runserver?": the at most `n`
 * possibilities whose similarity ratio with `word` (Ratcliff/Obershelp, as
 * `SequenceMatcher.ratio()`) is at least `cutoff`, best first; equal scores in descending
 * string order, as Python's `heapq.nlargest` over `(score, x)` pairs gives them.
 *
 * @example
 * getCloseMatches('runserve', ['check', 'runserver', 'migrate']); // ['runserver']
 * getCloseMatches('appel', ['ape', 'apple', 'peach', 'puppy']); // ['apple', 'ape']
 */
export function getCloseMatches(
  word: string,
  possibilities: Iterable<string>,
  n = 3,
  cutoff = 0.6,
): string[] {
  if (!(n > 0)) throw new RangeError(`n must be > 0: ${n}`);
  if (!(cutoff >= 0.0 && cutoff <= 1.0))
    throw new RangeError(`cutoff must be in [0.0, 1.0]: ${cutoff}`);
  const result: [number, string][] = [];
  const s = new SequenceMatcher();
  s.setSeq2(word);
  for (const x of possibilities) {
    s.setSeq1(x);
    if (s.realQuickRatio() >= cutoff && s.quickRatio() >= cutoff) {
      const score = s.ratio();
      if (score >= cutoff) result.push([score, x]);
    }
  }
  result.sort(([sa, xa], [sb, xb]) => sb - sa || compareCodePoints(xb, xa));
  return result.slice(0, n).map(([, x]) => x);
}

/** Characters Python's `str.isprintable()` refuses (space aside): categories C* and Z*. */
const NOT_PRINTABLE = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Zs}]/u;

/**
 * Python's `repr()` of a string, the `%r` Django's messages quote user input with: single
 * quotes, or double quotes when the text holds a `'` and no `"`; backslashes, the quote in
 * use, tabs, newlines and unprintable characters escaped; printable Unicode kept as is. So
 * the quotes of a message always pair up, whatever was typed.
 *
 * @example
 * repr('runserve'); // "'runserve'"
 * repr("it's"); // `"it's"`
 * repr('a\tb'); // "'a\\tb'"
 */
export function repr(text: string): string {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    if (ch === quote || ch === '\\') out += '\\' + ch;
    else if (ch === '\t') out += '\\t';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (code < 0x20 || code === 0x7f) out += '\\x' + code.toString(16).padStart(2, '0');
    else if (code < 0x7f || !NOT_PRINTABLE.test(ch)) out += ch;
    else if (code <= 0xff) out += '\\x' + code.toString(16).padStart(2, '0');
    else if (code <= 0xffff) out += '\\u' + code.toString(16).padStart(4, '0');
    else out += '\\U' + code.toString(16).padStart(8, '0');
  }
  return out + quote;
}
