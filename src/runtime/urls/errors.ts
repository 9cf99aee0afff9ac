/**
 * `reverse()` found no pattern for the name and params, like Django's `NoReverseMatch`. The
 * message says which: an unknown namespace, an unknown name, or the patterns tried.
 *
 * @example
 * try { reverse('shop:detail'); } catch (e) { if (e instanceof NoReverseMatch) ... }
 */
export class NoReverseMatch extends Error {
  override name = 'NoReverseMatch';
}
