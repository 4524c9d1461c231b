// Runs the GraphQL over HTTP conformance audits of graphql-http against the
// server at the URL given as the only argument, and prints one JSON object
// per audit on stdout: {id, name, status, reason, response}. It exits 0
// whatever the results: graph/conformance_test.go judges them.
//
// The audits run as auditServer runs them (all at once), but each through
// serverAudits on its own, so that an audit that throws (the package's
// "fatal" case, e.g. a connection reset) is reported as an error of that
// audit instead of hiding every other result.
import { serverAudits } from 'graphql-http';

const url = process.argv[2];
if (!url) {
  console.error('usage: node audit.mjs URL');
  process.exit(2);
}

// What a failed audit's response looked like, for the test's report. The
// audit may have read the body already; then only the head is known.
async function describe(res) {
  if (!res || typeof res.status !== 'number') {
    return undefined;
  }
  const out = { status: res.status, contentType: res.headers.get('content-type') };
  if (!res.bodyUsed) {
    try {
      out.body = (await res.text()).slice(0, 500);
    } catch {
      // an unreadable body says nothing more than the status
    }
  }
  return out;
}

const results = await Promise.all(
  serverAudits({ url }).map(async ({ id, name, fn }) => {
    try {
      const r = await fn();
      return {
        id: r.id,
        name: r.name,
        status: r.status,
        reason: r.reason,
        response: await describe(r.response),
      };
    } catch (err) {
      return { id, name, status: 'error', reason: `fatal: ${err?.stack ?? err}` };
    }
  }),
);

process.stdout.write(JSON.stringify(results, null, 1) + '\n');
