import { describeFaults } from './suite.js';

describeFaults('dev', 'faults on the Temporal dev server (SQLite file)');
