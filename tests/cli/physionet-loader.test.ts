// The PhysioNet 2012 loader on fixture files the tests write in the challenge's exact format: parsed
// values, masks, the time grid, duplicates averaged, −1 dropped, the split, the training-only scaling,
// the outcomes, and every refusal naming its file and line.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkChannelSet, seriesCount } from '../../packages/cli/src/experiments/latent/channels.js';
import { PhysioNetFormatError } from '../../packages/cli/src/experiments/latent/physionet/errors.js';
import { loadPhysioNet, readBounded } from '../../packages/cli/src/experiments/latent/physionet/load.js';
import { parseOutcomes } from '../../packages/cli/src/experiments/latent/physionet/outcomes.js';
import { gridSize, parseRecord } from '../../packages/cli/src/experiments/latent/physionet/record.js';
import { PHYSIONET_VARIABLES } from '../../packages/cli/src/experiments/latent/physionet/variables.js';

const V = (name: string) => PHYSIONET_VARIABLES.indexOf(name as (typeof PHYSIONET_VARIABLES)[number]);

/** A record in the challenge's format: the header, the six descriptors at 00:00, then `lines`. */
function record(
  id: number,
  lines: string[],
  descriptors = { Age: 54, Gender: 0, Height: -1, ICUType: 4, Weight: -1 },
): string {
  return (
    [
      'Time,Parameter,Value',
      `00:00,RecordID,${id}`,
      ...Object.entries(descriptors).map(([k, v]) => `00:00,${k},${v}`),
      ...lines,
    ].join('\n') + '\n'
  );
}

function withDir(files: Record<string, string>, body: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'taynode-physionet-'));
  try {
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(join(dir, path, '..'), { recursive: true });
      writeFileSync(join(dir, path), text);
    }
    body(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Throws a PhysioNetFormatError whose message names `where` (file:line) and matches `what`. */
function refused(run: () => unknown, where: string, what: RegExp): void {
  try {
    run();
  } catch (e) {
    if (!(e instanceof PhysioNetFormatError)) throw e;
    assert.ok(e.message.startsWith(where), `"${e.message}" should start with ${where}`);
    assert.match(e.message, what);
    return;
  }
  assert.unreachable(`expected a PhysioNetFormatError at ${where} matching ${what}`);
}

test("the 37 variables of the paper: the reference's 41 without Age, Gender, Height, ICUType", () => {
  assert.is(PHYSIONET_VARIABLES.length, 37);
  assert.is(new Set(PHYSIONET_VARIABLES).size, 37);
  for (const name of ['Age', 'Gender', 'Height', 'ICUType', 'RecordID']) assert.is(V(name), -1);
  for (const name of ['Weight', 'HR', 'MAP', 'pH', 'Urine', 'WBC', 'MechVent']) assert.ok(V(name) >= 0, name);
});

test('a record: values on the quantised grid, a mask per variable and time, duplicates averaged, −1 dropped', () => {
  const text = record(132539, [
    '00:07,HR,80', // 0.1167 h → 0.1 h at quantum 0.1
    '00:07,Temp,36.5',
    '00:09,HR,90', // 0.15 h → rounds to 0.2 h (round half away: 1.5 → 2)
    '00:10,HR,100', // 0.1667 h → 0.2 h: averaged with the line above
    '01:00,pH,7.4',
    '01:02,pH,7.2', // 1.033 h → 1.0 h: averaged
    '02:30,Weight,-1', // missing: dropped
    '47:59,Urine,35', // 47.98 h → 48.0 h, the last grid point
  ]);
  const r = parseRecord(text, 'set-a/132539.txt', 0.1);
  assert.is(r.recordId, 132539);
  assert.equal(r.descriptors, { Age: 54, Gender: 0, Height: NaN, ICUType: 4 });
  assert.equal(Array.from(r.rows.grid), [1, 2, 10, 480]);
  const C = PHYSIONET_VARIABLES.length;
  const at = (row: number, name: string) => [r.rows.values[row * C + V(name)], r.rows.mask[row * C + V(name)]];
  assert.equal(at(0, 'HR'), [80, 1]);
  assert.equal(at(0, 'Temp'), [36.5, 1]);
  assert.equal(at(1, 'HR'), [95, 1]);
  assert.ok(Math.abs(at(2, 'pH')[0] - 7.3) < 1e-12 && at(2, 'pH')[1] === 1);
  assert.equal(at(3, 'Urine'), [35, 1]);
  // nothing else is observed, and unobserved entries hold 0
  assert.is(
    r.rows.mask.reduce((a, m) => a + m, 0),
    5,
  );
  r.rows.values.forEach((v, k) => {
    if (!r.rows.mask[k]) assert.is(v, 0);
  });
  // at 1 h (Kelly et al.'s quantum) the first three times share the 0 h point
  const hourly = parseRecord(text, 'set-a/132539.txt', 1);
  assert.equal(Array.from(hourly.rows.grid), [0, 1, 48]);
  assert.equal(hourly.rows.values[V('HR')], 90);
  assert.is(gridSize(1), 49);
  assert.is(gridSize(0.1), 481);
  assert.is(gridSize(1 / 60), 2881);
  assert.throws(() => gridSize(0.7), /quantum: expected hours dividing 48 h/);
  assert.throws(() => gridSize(0), /quantum/);
});

test('a record: \\r\\n line ends, no final newline and lines out of time order are accepted', () => {
  const lines = ['03:00,HR,70', '01:00,HR,60'];
  const a = parseRecord(record(7, lines).replace(/\n/g, '\r\n'), '7.txt', 1);
  const b = parseRecord(record(7, lines).trimEnd(), '7.txt', 1);
  for (const r of [a, b]) {
    assert.equal(Array.from(r.rows.grid), [1, 3]);
    assert.equal([r.rows.values[V('HR')], r.rows.values[PHYSIONET_VARIABLES.length + V('HR')]], [60, 70]);
  }
});

test('a record: each bad input is refused naming the file and the line', () => {
  const f = 'set-a/140001.txt';
  const bad = (line: string) => record(140001, ['00:30,HR,80', line]);
  // the bad line is the 9th: header, RecordID, five descriptors, one good line
  const cases: [string, RegExp][] = [
    ['00:40,HR', /expected three fields Time,Parameter,Value/],
    ['00:40,HR,80,1', /expected three fields/],
    ['', /a blank line/],
    ['0040,HR,80', /expected a time hh:mm, got "0040"/],
    ['00:75,HR,80', /minutes below 60/],
    ['48:01,HR,80', /48:01 is beyond the 48 h/],
    ['60:00,HR,80', /beyond the 48 h/],
    ['00:40,HeartRate,80', /unknown parameter "HeartRate"/],
    ['00:40,HR,eighty', /expected a number for "HR", got "eighty"/],
    ['00:40,HR,', /expected a number/],
    ['00:40,HR,1e999', /expected a finite number/],
    ['00:40,HR,NaN', /expected a number/],
    ['00:40,Age,60', /Age is a descriptor recorded at 00:00, got it at 00:40/],
    ['00:00,Age,60', /a second Age line/],
    ['00:00,RecordID,140001', /a second RecordID line/],
  ];
  for (const [line, what] of cases) refused(() => parseRecord(bad(line), f, 1), `${f}:9`, what);
  refused(() => parseRecord('', f, 1), f, /empty file/);
  refused(() => parseRecord('Time,Param,Value\n', f, 1), `${f}:1`, /expected the header Time,Parameter,Value/);
  refused(() => parseRecord('Time,Parameter,Value\n00:10,HR,80\n', f, 1), f, /no RecordID line/);
  refused(() => parseRecord(record(140002, []), f, 1), `${f}:2`, /RecordID 140002 does not match the file's name/);
  refused(() => parseRecord(record(1.5 as number, []), 'x.txt', 1), 'x.txt:2', /non-negative integer RecordID/);
});

test('outcomes: parsed by RecordID; malformed lines, bad values and repeated RecordIDs refused with their line', () => {
  const header = 'RecordID,SAPS-I,SOFA,Length_of_stay,Survival,In-hospital_death';
  const m = parseOutcomes(`${header}\n132539,6,1,5,-1,0\n132540,16,8,8,-1,1\n`, 'Outcomes-a.txt');
  assert.equal(Array.from(m.get(132540)!), [16, 8, 8, -1, 1]);
  assert.is(m.size, 2);
  refused(() => parseOutcomes('RecordID,SOFA\n', 'O.txt'), 'O.txt:1', /expected the header RecordID,SAPS-I/);
  refused(() => parseOutcomes(`${header}\n1,2,3\n`, 'O.txt'), 'O.txt:2', /expected 6 fields/);
  refused(
    () => parseOutcomes(`${header}\n1,6,1,5,-1,0\n2,6,x,5,-1,0\n`, 'O.txt'),
    'O.txt:3',
    /expected a number for SOFA, got "x"/,
  );
  refused(() => parseOutcomes(`${header}\n1,6,1,5,-1,2\n`, 'O.txt'), 'O.txt:2', /In-hospital_death 0 or 1/);
  refused(
    () => parseOutcomes(`${header}\n1,6,1,5,-1,0\n1,6,1,5,-1,0\n`, 'O.txt'),
    'O.txt:3',
    /RecordID 1 given a second time/,
  );
});

/** Ten small records in set-a, two in set-b; HR = 60 + id offset, Temp only in some. */
function fixtureFiles(): Record<string, string> {
  const files: Record<string, string> = {};
  for (let k = 0; k < 12; k++) {
    const id = 140000 + k;
    const lines = [
      `00:${String(10 + k).padStart(2, '0')},HR,${60 + k}`,
      `${String(k + 1).padStart(2, '0')}:30,HR,${70 + k}`,
    ];
    if (k % 3 === 0) lines.push(`05:00,Temp,${35 + k / 2}`);
    files[`${k < 10 ? 'set-a' : 'set-b'}/${id}.txt`] = record(id, lines);
  }
  files['Outcomes-a.txt'] = 'RecordID,SAPS-I,SOFA,Length_of_stay,Survival,In-hospital_death\n140003,6,1,5,-1,1\n';
  files['set-a/README'] = 'not a record: ignored';
  return files;
}

test('a folder: series by RecordID, a seeded 80/20 split, [0, 1] scaling from the training split only, times as fractions of 48 h', () => {
  withDir(fixtureFiles(), (dir) => {
    const set = loadPhysioNet(dir, { quantum: 0.5, seed: 3 });
    checkChannelSet(set);
    assert.is(seriesCount(set), 12);
    assert.equal(
      Array.from(set.recordIds),
      Array.from({ length: 12 }, (_, k) => 140000 + k),
    );
    assert.is(set.train.length, 10);
    assert.is(set.test.length, 2);
    assert.equal(
      [...set.train, ...set.test].sort((a, b) => a - b),
      Array.from({ length: 12 }, (_, i) => i),
    );
    assert.is(set.times.length, 97);
    assert.is(set.times[0], 0);
    assert.is(set.times[96], 1);
    assert.is(set.tMax, 1);
    assert.ok(Math.abs(set.times[11] - 5.5 / 48) < 1e-15);
    // HR: 60 + k and 70 + k for series k; its min and max come from the training series alone
    const hr = V('HR'),
      C = set.channels.length;
    const trainK = Array.from(set.train);
    assert.is(set.min[hr], 60 + Math.min(...trainK));
    assert.is(set.max[hr], 70 + Math.max(...trainK));
    for (let s = 0; s < 12; s++) {
      for (let r = set.rowStart[s]; r < set.rowStart[s + 1]; r++) {
        if (!set.mask[r * C + hr]) continue;
        const raw = set.values[r * C + hr] * (set.max[hr] - set.min[hr]) + set.min[hr];
        assert.ok(
          [60 + s, 70 + s].some((v) => Math.abs(raw - v) < 1e-9),
          `series ${s}: ${raw}`,
        );
      }
    }
    // the training values span exactly [0, 1]; a test value may fall outside
    const trainHr = trainK
      .flatMap((s) => Array.from({ length: set.rowStart[s + 1] - set.rowStart[s] }, (_, i) => set.rowStart[s] + i))
      .filter((r) => set.mask[r * C + hr])
      .map((r) => set.values[r * C + hr]);
    assert.is(Math.min(...trainHr), 0);
    assert.is(Math.max(...trainHr), 1);
    // a variable no record has: min = max = 0, all mask 0
    assert.is(set.min[V('Lactate')], 0);
    assert.is(set.max[V('Lactate')], 0);
    // the outcomes of the one listed record; NaN elsewhere
    const i3 = 3;
    assert.equal(Array.from(set.outcomes.subarray(i3 * 5, i3 * 5 + 5)), [6, 1, 5, -1, 1]);
    assert.ok(Number.isNaN(set.outcomes[0]));
    assert.is(set.descriptors.Age[0], 54);
    // the same seed, the same split; another seed, another split
    assert.equal(Array.from(loadPhysioNet(dir, { quantum: 0.5, seed: 3 }).train), Array.from(set.train));
    const other = [1, 2, 4, 5].map((seed) => Array.from(loadPhysioNet(dir, { quantum: 0.5, seed }).train).join());
    assert.ok(
      other.some((t) => t !== Array.from(set.train).join()),
      'other seeds split differently',
    );
  });
});

test('a folder: empty records skipped and listed, or refused; duplicate RecordIDs and a missing set refused', () => {
  const files = fixtureFiles();
  files['set-a/150000.txt'] = record(150000, ['00:10,HR,-1']); // only a missing value
  withDir(files, (dir) => {
    const set = loadPhysioNet(dir);
    assert.is(seriesCount(set), 12);
    assert.equal(set.skipped, [join(dir, 'set-a/150000.txt')]);
    refused(
      () => loadPhysioNet(dir, { emptyRecords: 'error' }),
      join(dir, 'set-a/150000.txt'),
      /empty record: no value of the 37 time-varying variables/,
    );
  });
  withDir({ ...fixtureFiles(), 'set-c/140001.txt': record(140001, ['00:10,HR,80']) }, (dir) => {
    refused(() => loadPhysioNet(dir), join(dir, 'set-c/140001.txt'), /RecordID 140001 is also the record in .*set-a/);
  });
  withDir({ 'set-a/140001.txt': record(140001, ['00:10,HR,80']) }, (dir) => {
    refused(() => loadPhysioNet(dir), dir, /1 record files in set-a: at least 2/);
  });
  withDir({ 'other/1.txt': 'x' }, (dir) => {
    assert.throws(() => loadPhysioNet(dir), /dataDir: expected a folder holding set-a, set-b, set-c/);
  });
  withDir({ ...fixtureFiles(), 'set-b/140011.txt': record(140011, ['00:10,HR,80', '00:20,Glucose,high']) }, (dir) => {
    refused(
      () => loadPhysioNet(dir),
      `${join(dir, 'set-b/140011.txt')}:9`,
      /expected a number for "Glucose", got "high"/,
    );
  });
  withDir(
    {
      ...fixtureFiles(),
      'Outcomes-b.txt': 'RecordID,SAPS-I,SOFA,Length_of_stay,Survival,In-hospital_death\n140003,6,1,5,-1,0\n',
    },
    (dir) => {
      refused(
        () => loadPhysioNet(dir),
        join(dir, 'Outcomes-b.txt'),
        /RecordID 140003 also has outcomes in .*Outcomes-a.txt/,
      );
    },
  );
  withDir(fixtureFiles(), (dir) => {
    assert.throws(() => loadPhysioNet(dir, { trainFraction: 1 }), /trainFraction/);
    assert.throws(() => loadPhysioNet(dir, { quantum: 0.7 }), /quantum/);
  });
});

test('hostile folders: too many records or too large a file refused before they are read', () => {
  withDir(fixtureFiles(), (dir) => {
    refused(() => loadPhysioNet(dir, { maxRecords: 5 }), join(dir, 'set-a'), /more than 5 records \(maxRecords\)/);
  });
  withDir(fixtureFiles(), (dir) => {
    // two or three rows a record at 1 h: the fifth record passes 9
    refused(
      () => loadPhysioNet(dir, { maxRows: 9 }),
      join(dir, 'set-a/140004.txt'),
      /more than 9 observation times in all \(maxRows\)/,
    );
    assert.is(seriesCount(loadPhysioNet(dir, { maxRows: 40 })), 12);
  });
  withDir(
    {
      ...fixtureFiles(),
      'set-a/140005.txt': record(
        140005,
        Array.from({ length: 5000 }, () => '00:10,HR,80'),
      ),
    },
    (dir) => {
      refused(
        () => loadPhysioNet(dir, { maxFileBytes: 4096 }),
        join(dir, 'set-a/140005.txt'),
        /bytes, more than the 4096 a file may have/,
      );
    },
  );
  withDir({ ...fixtureFiles(), 'set-a/140099.txt/inner': 'x' }, (dir) => {
    refused(() => readBounded(join(dir, 'set-a/140099.txt'), 100), join(dir, 'set-a/140099.txt'), /not a regular file/);
  });
  // a 200 MB sparse file is refused from its size alone: memory does not grow by its size
  withDir({ 'set-a/1.txt': '' }, (dir) => {
    const path = join(dir, 'set-a/1.txt');
    writeFileSync(path, '');
    truncateSync(path, 200e6);
    const before = process.memoryUsage().arrayBuffers;
    refused(() => readBounded(path, 1 << 20), path, /200000000 bytes, more than the 1048576/);
    assert.ok(process.memoryUsage().arrayBuffers - before < 4e6);
  });
});

test.run();
