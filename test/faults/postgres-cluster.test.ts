import { describeFaults } from './suite.js';

describeFaults('postgres', 'faults on the PostgreSQL-backed Temporal server (two workers, one API)');
