#!/usr/bin/env node
'use strict';
// Writes the platform package @fcmock/<platform>-<arch> for this machine from a built binary:
//   node packaging/npm/scripts/pack-platform.js target/release/fcmock target/packaging-npm/linux-x64
// The output directory becomes the package (package.json, bin/fcmock, README.md); `npm pack` it.
// Its version is the fcmock package's, so the main package's optionalDependencies match it.

const fs = require('node:fs');
const path = require('node:path');

function usage(message) {
  if (message) console.error(`pack-platform: ${message}`);
  console.error('usage: node pack-platform.js <fcmock binary> <output directory>');
  process.exit(2);
}

const [binary, outdir] = process.argv.slice(2);
if (!binary || !outdir || process.argv.length > 4) usage();
let stat;
try {
  stat = fs.statSync(binary);
} catch (e) {
  usage(`${binary}: ${e.code || e.message}`);
}
if (!stat.isFile()) usage(`${binary} is not a file`);

const main = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8'));
const platform = process.platform;
const arch = process.arch;
const name = `@fcmock/${platform}-${arch}`;
const exe = platform === 'win32' ? 'fcmock.exe' : 'fcmock';
if (!main.optionalDependencies || main.optionalDependencies[name] !== main.version) {
  console.error(
    `pack-platform: warning: ${main.name}'s optionalDependencies do not list ${name}@${main.version}; ` +
      'npm will not pick this package up automatically',
  );
}

fs.rmSync(outdir, { recursive: true, force: true });
fs.mkdirSync(path.join(outdir, 'bin'), { recursive: true });
const target = path.join(outdir, 'bin', exe);
fs.copyFileSync(binary, target);
fs.chmodSync(target, 0o755);

const pkg = {
  name,
  version: main.version,
  description: `The fcmock binary for ${platform} ${arch} (used by the fcmock package).`,
  license: main.license,
  os: [platform],
  cpu: [arch],
  files: [`bin/${exe}`, 'README.md'],
  preferUnplugged: true,
};
fs.writeFileSync(path.join(outdir, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
fs.writeFileSync(
  path.join(outdir, 'README.md'),
  `# ${name}\n\n` +
    `The \`fcmock\` binary (a local emulator of Stripe's Financial Connections API) for ` +
    `${platform} on ${arch}, version ${main.version}.\n\n` +
    `Do not install this package yourself: install \`fcmock\`, which lists it as an optional ` +
    `dependency; npm installs the one matching the machine (\`os\`/\`cpu\`) and \`start()\` runs ` +
    `its \`bin/${exe}\`.\n`,
);
console.log(`${name}@${main.version} → ${outdir}`);
