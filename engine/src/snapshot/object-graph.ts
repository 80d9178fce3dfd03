/**
 * Turns a live object graph into plain data (objects, arrays, Maps, Sets,
 * typed arrays, primitives: what structured clone and v8.serialize carry) and
 * back, field by field and without a hand-written list: every own field of
 * every object is taken, so a field added to the engine is in the next
 * snapshot without anyone remembering it. Class instances keep their class
 * (by a registered name), objects reached twice stay one object, and what
 * cannot be carried faithfully — a function or closure, an unregistered class,
 * a symbol-keyed, hidden or accessor field — throws, naming its path.
 */

/** A class the graph may hold, constructed by name on the way back. */
type AnyClass = { readonly prototype: object };

/** A value carried its own way (a state machine's actor: its persisted state). */
export interface SpecialValue<T extends object = object> {
  matches(value: object): value is T;
  freeze(value: T): unknown;
  thaw(frozen: unknown): T;
}

export interface GraphCodec {
  /** Every class the graph may hold, under a stable name (not `constructor.name`, which a minifier renames). */
  classes: Readonly<Record<string, AnyClass>>;
  special: Readonly<Record<string, SpecialValue>>;
  /** Module-level objects the state points at (a shared empty list): carried by name, so they stay the same object. */
  constants: Readonly<Record<string, object>>;
}

/**
 * Marks a frozen object: `[OBJECT, layout, ...field values]`, its class name
 * and field names written once per layout, not once per object (v8's
 * serializer writes every key of every object: a held ticket cost 600 bytes).
 */
const OBJECT = '\u0000object';
/** Mark a special value or injected dependency; no plain data has these keys. */
const SPECIAL = '\u0000special';
const INJECTED = '\u0000injected';
/** A long array of strings (fan ids by slot), as one string and the lengths: a million small strings cost v8's deserializer a second. */
const STRINGS = '\u0000strings';
const PACK_STRINGS_FROM = 1024;

type Frozen = Record<string, unknown>;

/** Field names per class, as frozen: what a snapshot's shape is checked by. */
export type Shape = Record<string, string[]>;

/**
 * `injected`: objects not carried but put back on thawing (the clock, the
 * random source), by name, like the codec's constants.
 */
export function freezeGraph(codec: GraphCodec, root: object, injected: ReadonlyMap<object, string>): { frozen: unknown; shape: Shape } {
  const byIdentity = new Map(injected);
  for (const [name, constant] of Object.entries(codec.constants)) byIdentity.set(constant, name);
  const nameOf = new Map<unknown, string>();
  for (const [name, cls] of Object.entries(codec.classes)) nameOf.set(cls.prototype, name);
  const specials = Object.entries(codec.special);
  const memo = new Map<object, unknown>();
  const fields = new Map<string, Set<string>>();
  /** Class name ('' for a plain object) then field names, per layout; `layoutIds` by the same joined. */
  const layouts: string[][] = [];
  const layoutIds = new Map<string, number>();
  const path: string[] = [];
  const fail = (why: string): never => {
    throw new TypeError(`cannot snapshot ${path.join('') || 'the root'}: ${why}`);
  };

  const keysOf = (value: object): string[] => {
    const keys = Object.keys(value);
    if (Reflect.ownKeys(value).length !== keys.length) fail('it has hidden or symbol-keyed fields');
    return keys;
  };

  /** `[OBJECT, layout, ...values]`, remembered before its values are frozen (they may lead back to it). */
  const freezeObject = (value: object, className: string): unknown[] => {
    const keys = keysOf(value);
    const id = `${className}\u0000${keys.join('\u0000')}`;
    let layout = layoutIds.get(id);
    if (layout === undefined) {
      // Checked once per layout: own accessors are defined one by one, never by a class's fields.
      for (const key of keys) if (!('value' in Object.getOwnPropertyDescriptor(value, key)!)) fail(`field "${key}" is an accessor`);
      layoutIds.set(id, (layout = layouts.length));
      layouts.push([className, ...keys]);
    }
    const out: unknown[] = remember(value, [OBJECT, layout]);
    for (const key of keys) {
      const item: unknown = (value as Record<string, unknown>)[key];
      if (item === null || (typeof item !== 'object' && typeof item !== 'function' && typeof item !== 'symbol')) {
        out.push(item);
        continue;
      }
      path.push(`.${key}`);
      out.push(freeze(item));
      path.pop();
    }
    return out;
  };

  const freeze = (value: unknown): unknown => {
    if (typeof value === 'function') return fail('it is a function (state must be data)');
    if (typeof value === 'symbol') return fail('it is a symbol');
    if (value === null || typeof value !== 'object') return value;
    const seen = memo.get(value);
    if (seen !== undefined) return seen;
    const name = byIdentity.get(value);
    if (name !== undefined) return remember(value, { [INJECTED]: name });

    if (Array.isArray(value)) {
      if (value.length >= PACK_STRINGS_FROM) {
        const packed = packedStrings(value);
        if (packed !== undefined) return remember(value, packed);
      }
      // A copy (holes kept), then only its objects frozen: most long arrays hold numbers.
      const out: unknown[] = remember(value, value.slice());
      for (let i = 0; i < out.length; i++) {
        const item: unknown = out[i];
        if (item === null || typeof item !== 'object') {
          if (typeof item === 'function') fail(`item ${i} is a function`);
          continue;
        }
        path.push(`[${i}]`);
        out[i] = freeze(item);
        path.pop();
      }
      return out;
    }
    if (value instanceof Map) {
      const out = remember(value, new Map<unknown, unknown>());
      for (const [key, item] of value) {
        if ((key === null || typeof key !== 'object') && (item === null || typeof item !== 'object')) {
          if (typeof key === 'function' || typeof item === 'function') fail('a function in a Map');
          out.set(key, item);
          continue;
        }
        path.push(typeof key === 'string' || typeof key === 'number' ? `.get(${key})` : '.get(…)');
        out.set(freeze(key), freeze(item));
        path.pop();
      }
      return out;
    }
    if (value instanceof Set) {
      const out = remember(value, new Set<unknown>());
      for (const item of value) out.add(freeze(item));
      return out;
    }
    if (ArrayBuffer.isView(value)) {
      if (value instanceof DataView) return fail('a DataView');
      // A copy: the snapshot must not change as the live column does.
      return remember(value, (value as unknown as Uint8Array).slice());
    }
    for (const [special, codecOf] of specials) {
      if (codecOf.matches(value)) return remember(value, { [SPECIAL]: special, value: codecOf.freeze(value) });
    }
    const proto: unknown = Object.getPrototypeOf(value);
    if (proto === Object.prototype) return freezeObject(value, '');
    const className = nameOf.get(proto);
    if (className === undefined) return fail(`an instance of ${(value as { constructor?: { name?: string } }).constructor?.name ?? 'an unknown class'}, not registered in the snapshot's classes`);
    const out = freezeObject(value, className);
    let known = fields.get(className);
    if (known === undefined) fields.set(className, (known = new Set()));
    for (const key of layouts[out[1] as number]!.slice(1)) known.add(key);
    return out;
  };

  function remember<T>(value: object, frozen: T): T {
    memo.set(value, frozen);
    return frozen;
  }

  const frozenRoot = freeze(root);
  const shape: Shape = {};
  for (const [name, keys] of [...fields].sort(([a], [b]) => (a < b ? -1 : 1))) shape[name] = [...keys].sort();
  return { frozen: { layouts, root: frozenRoot }, shape };
}

/**
 * The live graph again, built in place: arrays, Maps, Sets, typed arrays and
 * plain objects of the frozen data become the live ones (copying a million
 * fans again would cost as much as replaying them), so a frozen graph is used
 * up by thawing it.
 */
export function thawGraph(codec: GraphCodec, frozen: unknown, injected: ReadonlyMap<string, object>): unknown {
  const memo = new Map<object, unknown>();

  const { layouts, root } = frozen as { layouts: string[][]; root: unknown };

  const thawObject = (value: unknown[]): object => {
    const [className, ...keys] = layouts[value[1] as number]!;
    let out: Record<string, unknown>;
    if (className === '') out = {};
    else {
      const cls = codec.classes[className!];
      if (cls === undefined) throw new TypeError(`the snapshot holds an unknown class "${className}"`);
      out = Object.create(cls.prototype) as Record<string, unknown>;
    }
    memo.set(value, out);
    for (let i = 0; i < keys.length; i++) {
      const item = value[i + 2];
      out[keys[i]!] = item === null || typeof item !== 'object' ? item : thaw(item);
    }
    return out;
  };

  const thaw = (value: object): unknown => {
    const seen = memo.get(value);
    if (seen !== undefined) return seen;
    if (Array.isArray(value)) {
      if (value[0] === OBJECT) return thawObject(value);
      memo.set(value, value);
      for (let i = 0; i < value.length; i++) {
        const item: unknown = value[i];
        if (item !== null && typeof item === 'object') value[i] = thaw(item);
      }
      return value;
    }
    if (value instanceof Map) {
      memo.set(value, value);
      let objectKeys = false;
      for (const [key, item] of value) {
        if (key !== null && typeof key === 'object') objectKeys = true;
        else if (item !== null && typeof item === 'object') value.set(key, thaw(item));
      }
      if (!objectKeys) return value;
      const rebuilt = new Map<unknown, unknown>();
      memo.set(value, rebuilt);
      for (const [key, item] of value) rebuilt.set(key !== null && typeof key === 'object' ? thaw(key) : key, item !== null && typeof item === 'object' ? thaw(item) : item);
      return rebuilt;
    }
    if (value instanceof Set) {
      const out = remember(value, new Set<unknown>());
      for (const item of value) out.add(item !== null && typeof item === 'object' ? thaw(item) : item);
      return out;
    }
    if (ArrayBuffer.isView(value)) return remember(value, value);
    const tagged = value as Frozen;
    if (STRINGS in tagged) return remember(value, unpackStrings(tagged[STRINGS] as string, tagged.lengths as Uint32Array));
    if (INJECTED in tagged) {
      const dependency = injected.get(tagged[INJECTED] as string) ?? codec.constants[tagged[INJECTED] as string];
      if (dependency === undefined) throw new TypeError(`the snapshot needs "${String(tagged[INJECTED])}", which was not given`);
      return remember(value, dependency);
    }
    if (SPECIAL in tagged) {
      const special = codec.special[tagged[SPECIAL] as string];
      if (special === undefined) throw new TypeError(`the snapshot holds an unknown kind of value "${String(tagged[SPECIAL])}"`);
      return remember(value, special.thaw(tagged.value));
    }
    throw new TypeError('the snapshot holds an object of no known kind');
  };

  function remember<T>(value: object, live: T): T {
    memo.set(value, live);
    return live;
  }

  return root === null || typeof root !== 'object' ? root : thaw(root);
}

/** The array as one string and each item's length, if every item is a string (no holes). */
function packedStrings(array: readonly unknown[]): Frozen | undefined {
  if (typeof array[0] !== 'string') return undefined;
  const lengths = new Uint32Array(array.length);
  for (let i = 0; i < array.length; i++) {
    const item = array[i];
    if (typeof item !== 'string') return undefined;
    lengths[i] = item.length;
  }
  return { [STRINGS]: (array as string[]).join(''), lengths };
}

function unpackStrings(joined: string, lengths: Uint32Array): string[] {
  const out: string[] = [];
  let at = 0;
  for (let i = 0; i < lengths.length; i++) {
    out.push(joined.slice(at, at + lengths[i]!));
    at += lengths[i]!;
  }
  return out;
}
