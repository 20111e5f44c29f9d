// Verify Open Badges 3.0 credentials with the Digital Credentials
// Consortium's libraries (an implementation independent of credstack's),
// offline: the security document loader's bundled contexts and did:key.
// Usage: node verify.mjs --export-dir DIR --base-url URL [--now ISO] FILE...
// prints one JSON line per file ({"file", "verified", "errors"}); exit 0
// whatever the verdicts. Status list URLs under URL/ob/ are read from DIR
// (nothing is fetched); each list's own proof is verified too. --now: the
// time validity is judged at (a test chain's clock), default the clock.
import { readFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import * as vc from '@digitalcredentials/vc';
import { DataIntegrityProof } from '@digitalcredentials/data-integrity';
import { cryptosuite as eddsaRdfc2022CryptoSuite } from '@digitalcredentials/eddsa-rdfc-2022-cryptosuite';
import { securityLoader } from '@digitalcredentials/security-document-loader';

const documentLoader = securityLoader({ fetchRemoteContexts: false }).build();
const suite = new DataIntegrityProof({ cryptosuite: eddsaRdfc2022CryptoSuite });

function messages(result) {
  const found = [];
  const walk = (value) => {
    if (!value) return;
    if (value instanceof Error || (typeof value === 'object' && 'message' in value && 'name' in value)) {
      found.push(String(value.message));
      if (value.errors) value.errors.forEach(walk);
      return;
    }
    if (Array.isArray(value)) { value.forEach(walk); return; }
    if (typeof value === 'object') {
      if (value.error) walk(value.error);
      if (value.statusResult && !value.statusResult.verified) {
        found.push(`status: ${value.statusResult.error && value.statusResult.error.message}`);
      }
      if (value.results) value.results.forEach(walk);
      if (value.errors) walk(value.errors);
    }
  };
  walk(result);
  return found;
}

const args = process.argv.slice(2);
let exportDir = null;
let baseUrl = null;
let now;
const files = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--export-dir') exportDir = args[++i];
  else if (args[i] === '--base-url') baseUrl = args[++i].replace(/\/+$/, '');
  else if (args[i] === '--now') now = args[++i];
  else files.push(args[i]);
}

// The bit at `index` of a status list credential's encodedList
// (multibase base64url of GZIP; bit 0 is the first byte's high bit).
function bitAt(encoded, index) {
  if (!encoded.startsWith('u')) throw new Error('encodedList is not base64url multibase');
  const bits = gunzipSync(Buffer.from(encoded.slice(1), 'base64url'));
  if (bits.length * 8 < 131072) throw new Error('status list shorter than 131,072 bits');
  if (index >= bits.length * 8) throw new Error('status index past the list');
  return (bits[index >> 3] & (0x80 >> (index & 7))) !== 0;
}

async function checkStatus({ credential }) {
  const entries = [].concat(credential.credentialStatus || []);
  const prefix = `${baseUrl}/ob/`;
  for (const entry of entries) {
    const url = entry.statusListCredential;
    if (!exportDir || !url || !url.startsWith(prefix)) {
      return { verified: false, error: new Error(`status list ${url} is not under the export`) };
    }
    const list = JSON.parse(await readFile(`${exportDir}/${url.slice(prefix.length)}`, 'utf8'));
    const listResult = await vc.verifyCredential({ credential: list, suite, documentLoader, now });
    if (!listResult.verified) {
      return { verified: false, error: new Error(`status list ${url} does not verify`) };
    }
    const listIssuer = typeof list.issuer === 'string' ? list.issuer : list.issuer.id;
    const issuer = typeof credential.issuer === 'string' ? credential.issuer : credential.issuer.id;
    if (listIssuer !== issuer) {
      return { verified: false, error: new Error(`status list ${url} has another issuer`) };
    }
    if (list.credentialSubject.statusPurpose !== entry.statusPurpose) {
      return { verified: false, error: new Error(`status list ${url} is for another purpose`) };
    }
    if (bitAt(list.credentialSubject.encodedList, Number(entry.statusListIndex))) {
      return { verified: false, error: new Error(`credential ${entry.statusPurpose} (bit ${entry.statusListIndex} set)`) };
    }
  }
  return { verified: true };
}

for (const file of files) {
  let out;
  try {
    const credential = JSON.parse(await readFile(file, 'utf8'));
    const result = await vc.verifyCredential({ credential, suite, documentLoader, checkStatus, now });
    out = { file, verified: Boolean(result.verified), errors: result.verified ? [] : messages(result) };
  } catch (err) {
    out = { file, verified: false, errors: [String(err && err.message || err)] };
  }
  console.log(JSON.stringify(out));
}
