/**
 * Throws when a required prop is missing (undefined or null). TypeScript
 * already checks this; the runtime check covers JavaScript callers and
 * values assembled dynamically.
 */
export function requireProps<T extends object>(owner: string, props: T, names: readonly (keyof T & string)[]): void {
  for (const name of names) {
    if (props[name] === undefined || props[name] === null) {
      throw new Error(`${owner}: required prop "${name}" is missing; pass it to the constructor.`);
    }
  }
}
