// The in-memory test double must itself honour the contract, or tests built on it prove nothing.
import { describeStoreContract } from './store-contract.js';
import { MemoryStore } from './memory-store.js';

describeStoreContract('memory (test double)', async () => ({
  store: new MemoryStore(),
  cleanup: async () => {},
}));
