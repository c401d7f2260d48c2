import { Migration20261123090905_initial } from './Migration20261123090905_initial.js';

/** Every committed migration, in order. Add a new one here after reviewing it. */
export const migrationsList = [{ name: 'Migration20261123090905_initial', class: Migration20261123090905_initial }];
