/** The only error type thrown while parsing, validating or rewriting task options. */
export class OptionsError extends Error {
  override name = 'OptionsError';
}
