import { MemoryApprovalStore } from '../../../src/approvals/memory-approvals.js';
import { approvalStoreContract } from './contract.js';

describe('the memory approval store', () => {
  approvalStoreContract({
    name: 'memory',
    async open() {
      const store = new MemoryApprovalStore();
      return { store, another: async () => store, dispose: () => store.close() };
    },
  });
});
