import { runStoreContract } from '../contract/store.contract.js';
import { sqliteTarget } from './sqlite-target.contract.js';

runStoreContract('sqlite', sqliteTarget);
