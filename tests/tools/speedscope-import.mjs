// Load a file the way speedscope's command line does (`speedscope FILE`:
// the file's name and its bytes in base64 go to the app's
// importProfileGroupFromBase64, which detects the format from the content),
// with the importer of the npm package's own release bundle, without a
// browser: the bundle runs in a node:vm context up to the point where it
// would draw the app.
//
//   node speedscope-import.mjs BUNDLE.js FILE
//
// Prints one JSON object: what the importer logged (console.log/warn/error,
// in order), and per profile its name, total weight and frame names.  Exit 0 if a profile group was imported, 1 if the importer
// returned nothing or threw (the error is in "error"), 2 if the bundle is
// not one this script knows.
import fs from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';

const [bundlePath, file] = process.argv.slice(2);
if (!bundlePath || !file) {
  console.error('usage: node speedscope-import.mjs BUNDLE.js FILE');
  process.exit(2);
}
let src = fs.readFileSync(bundlePath, 'utf8');
// The app hands the command line's file to this function (minified name).
const hook = /loadFileFromBase64:\((\w+),(\w+)\)=>\{this\.loadProfile\(\(\)=>(\w+)\(\1,\2\)\)/.exec(src);
const boot = src.lastIndexOf('console.log(`speedscope v');
if (!hook || boot < 0) {
  console.error(`${bundlePath}: not a speedscope release bundle this script knows`);
  process.exit(2);
}
src = src.slice(0, boot) + `globalThis.__krImport=${hook[3]};return;` + src.slice(boot);

const logs = [];
const con = {};
for (const k of ['log', 'info', 'debug', 'warn', 'error', 'trace'])
  con[k] = (...a) => logs.push({ level: k, text: a.map(String).join(' ') });
con.time = con.timeEnd = () => {};
con.assert = (c, ...a) => { if (!c) logs.push({ level: 'assert', text: a.map(String).join(' ') }); };
const ctx = {
  console: con, atob, btoa, TextDecoder, TextEncoder, setTimeout, clearTimeout, setInterval, clearInterval,
  URL, Blob, navigator: { userAgent: 'node' },
  location: { hash: '', search: '', protocol: 'file:', href: 'file:///speedscope/index.html' },
  document: { addEventListener() {}, createElement() { return {}; } },
};
ctx.window = ctx.self = ctx.globalThis = ctx;
vm.createContext(ctx);
vm.runInContext(src, ctx, { filename: path.basename(bundlePath) });

const out = { logs, profiles: [] };
let group = null;
try {
  group = await ctx.__krImport(path.basename(file), fs.readFileSync(file).toString('base64'));
} catch (e) {
  out.error = String(e && e.message ? e.message : e);
}
if (group) {
  out.name = group.name;
  for (const p of group.profiles) {
    const frames = new Set();
    p.forEachFrame(f => frames.add(f.name));
    out.profiles.push({ name: p.getName(), weight: p.getTotalWeight(), frames: [...frames] });
  }
}
console.log(JSON.stringify(out));
process.exit(group ? 0 : 1);
