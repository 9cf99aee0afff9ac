/**
 * A `DatabaseStore` whose rows' expiry tests can read: `loadRecord` is protected (the
 * `cached_db` engine needs it; it takes only keys the base class checked).
 */
import { DatabaseStore, type SessionRecord } from '../../../../src/runtime/sessions/backends/db.js';

export class InspectableDatabaseStore extends DatabaseStore {
  /** The live row's data and expiry under a well-formed key, or `null`. */
  record(key: string): Promise<SessionRecord | null> {
    return this.loadRecord(key);
  }
}
