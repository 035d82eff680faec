// Original file: proto/powerprof/v1/ingest.proto


export interface JobsRequest {
  'node_id'?: (string);
  'workloads'?: (string)[];
}

export interface JobsRequest__Output {
  'node_id': (string);
  'workloads': (string)[];
}
