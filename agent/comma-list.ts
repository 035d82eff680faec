import { z } from 'zod';

/** An option that lists names: "a,b" on the command line and in the environment, or a YAML list. */
export const commaList = z
  .union([z.string(), z.array(z.string())])
  .transform((value) => (Array.isArray(value) ? value : value.split(',')).map((s) => s.trim()).filter((s) => s !== ''));
