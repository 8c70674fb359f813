// A node:test reporter for the harness (test/run-suites.ts), written as JSON lines: the
// run's closing counts (tests, pass, fail, cancelled, ...), one line for every test or
// suite that was skipped or marked todo, with its file and reason, and one for every test
// that failed, with its error, so that the harness can repeat the failures at the end of a
// long run's output. The built-in reporters' counts leave out a skipped suite
// (`describe(..., { skip })`) and name no files.
export default async function* summaryReporter(source) {
  for await (const event of source) {
    if (event.type === 'test:diagnostic' && event.data.nesting === 0) {
      const m = /^(\w+) (\d+(?:\.\d+)?)$/.exec(event.data.message);
      if (m) yield `${JSON.stringify({ count: m[1], value: Number(m[2]) })}\n`;
      continue;
    }
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    const { skip, todo, name, file } = event.data;
    if (event.type === 'test:fail' && event.data.details?.type !== 'suite') {
      yield `${JSON.stringify({ file: file ?? '', name, kind: 'fail', reason: describeError(event.data.details?.error), suite: false })}\n`;
      continue;
    }
    const kind = skip !== undefined && skip !== false ? 'skip' : todo !== undefined && todo !== false ? 'todo' : undefined;
    if (!kind) continue;
    const why = kind === 'skip' ? skip : todo;
    yield `${JSON.stringify({ file: file ?? '', name, kind, reason: typeof why === 'string' ? why : '', suite: event.data.details?.type === 'suite' })}\n`;
  }
}

/** The failure as the spec reporter would open it: the cause's message and the first frames of its stack. */
function describeError(error) {
  const cause = error?.cause ?? error;
  if (!cause) return '';
  const stack = typeof cause.stack === 'string' ? cause.stack.split('\n').slice(0, 8).join('\n') : String(cause.message ?? cause);
  return stack.length > 4000 ? `${stack.slice(0, 4000)}…` : stack;
}
