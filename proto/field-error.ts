/**
 * A message not in the usual form (a field sent twice, a repeated field's
 * entries spread, a map key twice): valid protobuf, read again once put in
 * that form (canonical-message.ts). Thrown before anything of it is kept.
 */
export class NonCanonicalEncoding extends Error {}

/** A record that breaks a rule: the field's path, what is wrong with it, and the reason it is counted under. */
export class FieldError extends Error {
  constructor(
    public path: string,
    readonly detail: string,
    readonly reason: 'invalid_record' | 'bad_timestamp' | 'unknown_kind' | 'bad_seq' = 'invalid_record',
  ) {
    super(path === '' ? detail : `${path} ${detail}`);
  }

  /** Puts the enclosing field in front of the path, as the error travels out. */
  within(segment: string): this {
    this.path = this.path === '' ? segment : this.path.startsWith('[') ? `${segment}${this.path}` : `${segment}.${this.path}`;
    this.message = `${this.path} ${this.detail}`;
    return this;
  }
}
