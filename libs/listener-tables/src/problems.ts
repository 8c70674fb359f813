// A problem with a named field, the shape every edge turns into a 400 (problem+json)
// naming the field. Kept here so this pure library depends on nothing but contracts.
export interface FieldProblem {
  field: string;
  message: string;
}

/** Thrown by the pure functions here when input does not fit; carries every problem found. */
export class TableInputError extends Error {
  constructor(readonly problems: FieldProblem[]) {
    super(problems.map((p) => `${p.field}: ${p.message}`).join('; '));
    this.name = 'TableInputError';
  }
}
