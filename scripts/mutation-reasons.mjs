// Why each mutant that no test detects is equivalent, or could only be told by something a
// unit test cannot do (a race between two system calls, a non-root user, waiting 15 s).
// Keyed by file and line (and mutator or replacement where one line holds several kinds);
// scripts/mutation-equivalent.mjs applies them. Line numbers are those of the run's source.
const COST = 'a cache or shortcut: the mutant only changes how much work is done, never the answer';

const KH = 'src/ssh/known-hosts/';
const knownHosts = [
  { file: `${KH}append.ts`, lines: [50, 51], reason: "the append chain's clean-up: a leftover Map entry only holds a settled promise, which the next append chains on unchanged" },
  { file: `${KH}append.ts`, lines: [69, 70], reason: 'realpath failing for another reason than ENOENT (a loop, no permission) fails again at the stat inside the lock with the same error' },
  { file: `${KH}append.ts`, lines: 77, reason: 'before is only undefined for a missing file, whose ENOENT the read just below catches: same result' },
  { file: `${KH}append.ts`, lines: [80, 81], reason: 'a race: the file must disappear between the stat and the read' },
  { file: `${KH}append.ts`, lines: 85, reason: "fromText('') verifies as 'unknown', so skipping the empty-text check (or comparing to another string) appends the same" },
  { file: `${KH}append.ts`, lines: 102, reason: 'a race: another load must replace the cache entry during the await' },
  { file: `${KH}append.ts`, lines: 104, reason: "the text always ends in '\\n' here, so indexOf is never -1 inside the loop" },
  { file: `${KH}cache.ts`, lines: 52, reason: 'a race: ENOENT after a successful stat needs the file removed in between' },
  { file: `${KH}cache.ts`, lines: 59, reason: 'a race: the entry must be replaced by another load while this one awaited' },
  { file: `${KH}hashed.ts`, lines: [17, 18], reason: `${COST} (growth of the hash table; any size ≥ what is needed gives the same lookups)` },
  { file: `${KH}hashed.ts`, lines: 36, reason: COST },
  { file: `${KH}hmac-sha1.ts`, lines: [14, 15, 107, 118], reason: 'a loop bound one past the end writes past a typed array (dropped) or reads undefined words that add 0 to the state' },
  { file: `${KH}hmac-sha1.ts`, lines: 81, reason: 'one more XOR writes 0 ^ pad = pad, which the block already holds there' },
  { file: `${KH}hmac-sha1.ts`, lines: 95, reason: COST },
  { file: `${KH}hmac-sha1.ts`, lines: 97, reason: "'utf8' is Buffer.from's default" },
  { file: `${KH}keys.ts`, lines: 16, reason: "a SHA-256 is 32 bytes: its base64 ends in exactly one '=' and has none before" },
  { file: `${KH}lock.ts`, lines: [18, 19], reason: 'the EPERM branch (a live process of another user) cannot be had as root, which the tests run as' },
  { file: `${KH}lock.ts`, lines: 27, reason: 'equal only within the same millisecond as the stale limit' },
  { file: `${KH}lock.ts`, lines: 28, reason: 'Number() trims whitespace itself' },
  { file: `${KH}lock.ts`, lines: 30, reason: 'pid 0 is never written; kill(0, 0) would reach our own group (alive) anyway' },
  { file: `${KH}lock.ts`, lines: [31, 32], reason: 'a race: the lock file must be removed between open and stat' },
  { file: `${KH}lock.ts`, lines: [57, 58, 59], reason: "timing only: the back-off's length and the 15 s give-up (not injectable; a unit test would wait 15 s)" },
  { file: `${KH}parse.ts`, lines: [22, 27, 31, 33], reason: `${COST} (the key type heads)` },
  { file: `${KH}parse.ts`, lines: [23, 25], reason: "'latin1' on the ASCII key type names ssh writes: any encoding gives the same bytes" },
  { file: `${KH}parse.ts`, lines: [44, 46], reason: 'trailing blanks after the last token are skipped by the token loop anyway' },
  { file: `${KH}parse.ts`, lines: [50, 64], reason: "the next character is always a blank or the line's end, so the extra check or step reads nothing" },
  { file: `${KH}parse.ts`, lines: 56, reason: 'an extra token (the comment) is read but never used' },
  { file: `${KH}parse.ts`, lines: 66, reason: "only 'revoked' and 'ca' are compared: the default's spelling is never read" },
  { file: `${KH}parse.ts`, lines: 74, reason: 'a non-blank line always has a first token, and the key type check follows' },
  { file: `${KH}parse.ts`, lines: [96, 97], reason: 'parts.length !== 2 was checked first: both parts exist' },
  { file: `${KH}parse.ts`, lines: 115, reason: 'salt and hash are set together' },
  { file: `${KH}parse.ts`, lines: 120, reason: 'splitPatternList of a name without a comma is that name' },
  { file: `${KH}parse.ts`, lines: 137, reason: 'one more empty line at the end of the text adds nothing' },
  { file: `${KH}verify.ts`, lines: 24, reason: COST },
  { file: `${KH}verify.ts`, lines: [94, 110], reason: 'for port 22 the bare name is the primary name: the second lookup finds the same keys' },
];

const hostPatterns = [
  { file: 'src/ssh/host-patterns.ts', lines: 29, reason: "pc undefined is never '?' nor name[n] (n is inside the name)" },
];


const H = 'src/hosts/';
const SET_PASS = 'only decides whether a Set pass runs over the names; on names without repeats it drops nothing, and the mutant only makes it run more often';
const hosts = [
  { file: `${H}candidates-file.ts`, lines: 62, mutator: 'ArithmeticOperator', reason: 'slicing past the end keeps the CR, which trim() removes just after' },
  { file: `${H}candidates-file.ts`, lines: 62, replacement: 'line', reason: 'without the slice the CR is still there for trim(), which removes it' },
  { file: `${H}fold.ts`, lines: [41, 47], reason: 'charCodeAt past the end is NaN, not a digit: the loop stops there anyway' },
  { file: `${H}fold.ts`, lines: 73, reason: 'formatField is only called for a merged field, which holds two values or more' },
  { file: `${H}fold.ts`, lines: 76, reason: 'the order among equal values only decides which of the per-padding runs each joins first; the runs are sorted afterwards' },
  { file: `${H}fold.ts`, lines: 82, reason: 'a padded value already has the class of its length, and no class of width 1 exists (one digit is never padded)' },
  { file: `${H}fold.ts`, lines: 92, reason: 'runs are made in ascending order of their first value (the values are sorted, ties by length = width), so the sort finds them in order' },
  { file: `${H}fold.ts`, lines: 122, reason: 'a second round: with two fields provably never needed (after the right field merges, every left value is in one group, so merged left sets cannot be equal); with more fields the seeded random minimality test found no input that needs it' },
  { file: `${H}fold.ts`, lines: 131, reason: 'fields past the last one: their keys hold every field, so they never merge, and shown[i] there is undefined, printed as nothing' },
  { file: `${H}fold.ts`, lines: 134, reason: 'one more round over settled fields merges nothing' },
  { file: `${H}fold.ts`, lines: 140, reason: 'shown[dims] is undefined and printed as nothing; shown[i] below dims always exists' },
  { file: `${H}fold.ts`, lines: 145, reason: 'the same extra first element in every key compares equal' },
  { file: `${H}fold.ts`, lines: [153, 156], reason: 'charCodeAt or text[] past the end is no digit and no [: the same slice' },
  { file: `${H}fold.ts`, lines: [171, 173, 174, 177], reason: "V8's sort only asks whether the comparator is below 0: NaN, 0 and 1 all mean 'not before', and equal texts never meet (repeats were dropped)" },
  { file: `${H}fold.ts`, lines: 197, reason: 'a name without digits as a skeleton of no field prints as itself' },
  { file: `${H}health.ts`, lines: [75, 78, 82], reason: 'undefined in the comparison gives NaN or false: the same as the check it replaces' },
  { file: `${H}host-list.ts`, lines: 23, reason: "checkUser(undefined) tests the string 'undefined', a valid name" },
  { file: `${H}host-list.ts`, lines: 26, reason: "no names reaches canonicalHost('') as well: the same 'empty host name'" },
  { file: `${H}host-list.ts`, lines: [28, 29], reason: 'expanded names differ only in digits: any longest one (first or last) gives the same verdict' },
  { file: `${H}host-list.ts`, lines: 54, reason: 'the replaced text is only searched for blanks; dropping the brackets leaves none either' },
  { file: `${H}host-list.ts`, lines: 126, reason: "split('\\n')[0] always exists" },
  { file: `${H}host-spec.ts`, lines: [62, 75, 102], mutator: 'EqualityOperator', reason: 'the two sides are never equal there (index 0 is the [ or a % that makes the address invalid earlier)' },
  { file: `${H}host-spec.ts`, lines: 75, mutator: 'ConditionalExpression', reason: "colon -1 is never after lastIndexOf(']') (at least -1)" },
  { file: `${H}host-spec.ts`, lines: 86, reason: 'what the looser pattern lets through is NaN or over 65535 for Number(): the same refusal' },
  { file: `${H}host-spec.ts`, lines: 108, reason: 'unreachable: a name HOST_NAME refuses that does not start with . or - holds a bad character' },
  { file: `${H}inventory.ts`, lines: 27, mutator: 'StringLiteral', reason: 'lines[0] is only undefined for a file of no lines, and the stand-in text does not end in :' },
  { file: `${H}inventory.ts`, lines: 49, reason: COST },
  { file: `${H}inventory.ts`, lines: 63, reason: 'a group named only as a child is visited through its parent' },
  { file: `${H}inventory.ts`, lines: 68, reason: 'a later duplicate is an equal spec and keeps the first one\'s place' },
  { file: `${H}inventory.ts`, lines: 88, reason: "hosts before any header go to ungrouped whatever the kind's name, as long as it is not children or vars" },
  { file: `${H}inventory.ts`, lines: 90, mutator: 'Regex', replacement: '/(^|\\s)[#;].*/', reason: '.* is greedy: it reaches the end with or without $' },
  { file: `${H}inventory.ts`, lines: 121, reason: 'typeof null is object and null is no array: the same false' },
  { file: `${H}inventory.ts`, lines: 101, reason: 'empty words between blanks hold no = and set nothing' },
  { file: `${H}inventory.ts`, lines: 79, mutator: 'EqualityOperator', reason: "a word starting with = sets the variable '', which nothing reads" },
  { file: `${H}list-source.ts`, lines: 22, reason: 'isFile is only used as a condition: undefined is as false as false' },
  { file: `${H}list-source.ts`, lines: 58, reason: "resolveGroups always sets 'all'" },
  { file: `${H}probe.ts`, lines: 46, replacement: 'false', reason: 'Number(undefined) is NaN, which num() leaves out as well' },
  { file: `${H}probe.ts`, lines: 56, reason: 'a line without = cut one character short is never a key followed by a number' },
  { file: `${H}ranges.ts`, lines: 53, reason: "the extra element is a string: it gives no values, and V8's sort keeps it first (comparisons with it are NaN, never below 0), so the real ranges are still compared in order" },
  { file: `${H}ranges.ts`, lines: 60, reason: 'ITEM always captures the start' },
  { file: `${H}ranges.ts`, lines: 79, reason: "padStart(0, '0') is String(n)" },
  { file: `${H}ranges.ts`, lines: 88, reason: 'empty brackets are refused before (a single empty item never gets here)' },
  { file: `${H}ranges.ts`, lines: [95, 96], reason: 'if each range starts after the one before it ends, all are disjoint in any order, so the unsorted check misses no overlap; a false overlap only makes a Set pass that drops nothing' },
  { file: `${H}ranges.ts`, lines: [103, 111], reason: 'an extra empty text segment adds nothing to names and nothing to the text between groups' },
  { file: `${H}ranges.ts`, lines: [106, 113, 115], reason: 'the two sides are never equal there ([ and ] are different characters; close and nested are after open)' },
  { file: `${H}ranges.ts`, lines: [157, 158, 160, 164], reason: `mayRepeat ${SET_PASS}` },
  { file: `${H}select.ts`, lines: 79, reason: 'specMatches of a string and a spec is false: nothing more is excluded' },
  { file: `${H}select.ts`, lines: 98, reason: 'parseInlineHosts of nothing is no host' },
  { file: `${H}select.ts`, lines: [136, 140], reason: 'no pattern excludes nothing: the shortcut only saves the pass' },
];

const T = 'src/transfer/';
const FAST = 'the fast path of unsafeRelative only passes names the full check below also passes: a mutant that sends more names to the full check gives the same answers';
const transfer = [
  { file: `${T}paths.ts`, lines: [16, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28], reason: FAST },
  { file: `${T}paths.ts`, lines: 43, reason: "i is 0 only for a name starting with '/', whose parent is '' either way" },
  { file: `${T}paths.ts`, lines: 50, reason: 'charCodeAt past the end is NaN, never 47' },
  { file: `${T}paths.ts`, lines: 104, replacement: '/\\/$/', reason: 'posix.basename drops trailing slashes itself' },
  { file: `${T}paths.ts`, lines: 112, reason: "joinRemote(dest, '') is dest" },
  { file: `${T}exclude.ts`, lines: 50, reason: 'end is found from i + 2 on: never 0' },
  { file: `${T}exclude.ts`, lines: 70, reason: "'' also matches /^\\/*$/: the same refusal and message" },
  { file: `${T}exclude.ts`, lines: 91, reason: "matches() refuses '' itself and no rule matches nothing: the same false" },
  { file: `${T}plan.ts`, lines: 83, reason: "touch('') happens only when the root is new, and a new root gets its attributes anyway" },
  { file: `${T}plan.ts`, lines: 89, reason: 'adding to a Set twice is adding once' },
  { file: `${T}plan.ts`, lines: [91, 92, 93], reason: "del() of a folder runs only with --delete, whose sweep deletes every target entry the source lacks: everything below a folder the source has as a file" },
  { file: `${T}plan.ts`, lines: 101, reason: 'the parents of a blocked folder are processed first (listings list a folder before its contents) and added to blocked, so the nearest parent decides' },
  { file: `${T}plan.ts`, lines: 106, reason: "underBlocked('') looks at '' only, which is not blocked before the root is processed" },
  { file: `${T}plan.ts`, lines: 155, reason: 'the root is in every source listing' },
  { file: `${T}plan.ts`, lines: 159, reason: 'deleting holds only names of the target listing' },
  { file: `${T}plan.ts`, lines: 164, mutator: 'EqualityOperator', reason: 'two deletes never have the same name' },
];

export const REASONS = [...knownHosts, ...hostPatterns, ...hosts, ...transfer];
