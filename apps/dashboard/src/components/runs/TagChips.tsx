// A run's tags as chips; with `onPick`, each chip is a button (the runs list filters by it).
export function TagChips({ tags, onPick }: { tags: readonly string[]; onPick?: (tag: string) => void }) {
  if (tags.length === 0) return null;
  return (
    <ul className="chips" aria-label="Tags">
      {tags.map((tag) => (
        <li key={tag}>
          {onPick ? (
            <button type="button" className="chip" onClick={() => onPick(tag)} title={`Show only runs tagged ${tag}`}>
              {tag}
            </button>
          ) : (
            <span className="chip">{tag}</span>
          )}
        </li>
      ))}
    </ul>
  );
}
