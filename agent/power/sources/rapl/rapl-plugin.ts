import { definePowerSource } from '../../power-source-plugin.js';
import { raplSource } from './rapl-source.js';

/** The CPU packages' (and DRAM's) energy counters in powercap: inside the box, not the wall. */
export const raplPlugin = definePowerSource({
  name: 'rapl',
  canBePrimary: true,
  options: {},
  flags: {},
  help: [],
  create: (_options, common) => raplSource(common.sysfsRoot),
});
