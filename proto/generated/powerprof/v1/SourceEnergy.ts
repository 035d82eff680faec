// Original file: proto/powerprof/v1/ingest.proto


export interface SourceEnergy {
  'source'?: (string);
  'sensor'?: (string);
  'energy_joules'?: (number | string);
  'avg_watts'?: (number | string);
  'uncertainty_joules'?: (number | string);
  'samples'?: (number);
}

export interface SourceEnergy__Output {
  'source': (string);
  'sensor': (string);
  'energy_joules': (number);
  'avg_watts': (number);
  'uncertainty_joules': (number);
  'samples': (number);
}
