import { z } from 'zod';
import { definePowerSource } from '../../power-source-plugin.js';
import { nvidiaSource } from './nvidia-source.js';

/** NVIDIA GPU board power: a part of the node, never its whole, so never a run's primary figure. */
export const nvidiaPlugin = definePowerSource({
  name: 'nvidia',
  canBePrimary: false,
  options: { nvidia_smi_path: z.string().min(1).default('nvidia-smi') },
  flags: { 'nvidia-smi-path': { type: 'string' } },
  help: ['  --nvidia-smi-path PATH  default "nvidia-smi"\n'],
  create: (options, common) => nvidiaSource(options.nvidia_smi_path, common.periodMs),
});
