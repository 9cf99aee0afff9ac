// The in-memory test double must itself honour the contract, or tests built on it prove nothing.
// It runs behind guardSessionStore, like any custom engine that does not extend the base class.
import { guardSessionStore } from '../../../src/runtime/sessions/engines.js';
import { MemoryStore } from './memory-store.js';
import { describeServerSideStoreContract } from './store-contract.js';

describeServerSideStoreContract(
  'memory (test double, behind guardSessionStore)',
  async ({ now }) => ({
    store: guardSessionStore(new MemoryStore({ now })),
    cleanup: async () => {},
  }),
);

// A custom engine without the optional sessions-per-user methods still passes the contract,
// which then checks that it says it cannot list.
class UnlistedMemoryStore extends MemoryStore {}
Object.defineProperty(UnlistedMemoryStore.prototype, 'listSessions', { value: undefined });
Object.defineProperty(UnlistedMemoryStore.prototype, 'deleteSessions', { value: undefined });

describeServerSideStoreContract(
  'memory without listSessions (behind guardSessionStore)',
  async ({ now }) => ({
    store: guardSessionStore(new UnlistedMemoryStore({ now })),
    cleanup: async () => {},
  }),
  { userSessions: false },
);
