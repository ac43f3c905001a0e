namespace KubeMedic.Core.Model;

/// <summary>How the model's and the analysis context's lookup indexes are filled.</summary>
internal static class Lookups
{
    /// <summary>The first item under each key (a snapshot may hold an object twice).</summary>
    public static Dictionary<TKey, T> First<TKey, T>(IReadOnlyList<T> items, Func<T, TKey> key)
        where TKey : notnull
    {
        var map = new Dictionary<TKey, T>(items.Count);
        foreach (var item in items)
        {
            map.TryAdd(key(item), item);
        }

        return map;
    }

    /// <summary>Appends <paramref name="item"/> to the list under <paramref name="key"/> (one hash lookup, list created on first use).</summary>
    public static void AddTo<TKey, T>(Dictionary<TKey, List<T>> map, TKey key, T item)
        where TKey : notnull
    {
        ref var list = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(map, key, out _);
        (list ??= []).Add(item);
    }
}
