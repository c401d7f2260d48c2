export { searchAttributes } from '../../workflows/messages.js';
import { searchAttributes } from '../../workflows/messages.js';

/** Every search attribute key Hookline registers, for the dev server and for operators. */
export const searchAttributeKeys = Object.values(searchAttributes);
