// A node:test reporter for the harness (test/run-suites.ts), written as JSON lines: the
// run's closing counts (tests, pass, fail, cancelled, ...), and one line for every test or
// suite that was skipped or marked todo, with its file and reason. The built-in reporters'
// counts leave out a skipped suite (`describe(..., { skip })`) and name no files.
export default async function* summaryReporter(source) {
  for await (const event of source) {
    if (event.type === 'test:diagnostic' && event.data.nesting === 0) {
      const m = /^(\w+) (\d+(?:\.\d+)?)$/.exec(event.data.message);
      if (m) yield `${JSON.stringify({ count: m[1], value: Number(m[2]) })}\n`;
      continue;
    }
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    const { skip, todo, name, file } = event.data;
    const kind = skip !== undefined && skip !== false ? 'skip' : todo !== undefined && todo !== false ? 'todo' : undefined;
    if (!kind) continue;
    const why = kind === 'skip' ? skip : todo;
    yield `${JSON.stringify({ file: file ?? '', name, kind, reason: typeof why === 'string' ? why : '', suite: event.data.details?.type === 'suite' })}\n`;
  }
}
