using System.Text;
using KubeMedic.Kubernetes.Informers;

namespace KubeMedic.Kubernetes.Tests.Informers;

public sealed class PackedStoreTests
{
    private static byte[] Pod(int i, int version) => Encoding.UTF8.GetBytes(
        "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"web-" + i + "\",\"namespace\":\"shop\",\"labels\":{\"app\":\"web\",\"tier\":\"frontend\"}},"
        + "\"spec\":{\"nodeName\":\"node-" + (i % 7) + "\",\"containers\":[{\"name\":\"web\",\"image\":\"registry.example.com/shop/web:1.4.2\",\"resources\":{\"requests\":{\"cpu\":\"100m\",\"memory\":\"128Mi\"},\"limits\":{\"memory\":\"256Mi\"}}}]},"
        + "\"status\":{\"phase\":\"Running\",\"containerStatuses\":[{\"name\":\"web\",\"ready\":true,\"restartCount\":" + version + "}]}}");

    /// <summary>Applies the same changes to the store and to a plain dictionary, then compares everything the store answers.</summary>
    private static void ShouldHoldExactly(PackedStore store, Dictionary<string, byte[]> expected)
    {
        store.Count.ShouldBe(expected.Count);
        store.Keys().Order(StringComparer.Ordinal).ShouldBe(expected.Keys.Order(StringComparer.Ordinal));
        var items = store.Items().Select(Encoding.UTF8.GetString).Order(StringComparer.Ordinal).ToList();
        items.ShouldBe(expected.Values.Select(Encoding.UTF8.GetString).Order(StringComparer.Ordinal).ToList());
        foreach (var (key, json) in expected)
        {
            store.Get(key).ShouldBe(json, key);
        }
    }

    [Fact]
    public void Objects_packed_in_blocks_read_back_exactly_through_updates_and_deletes()
    {
        var store = new PackedStore();
        var expected = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        var random = new Random(7);
        for (var step = 0; step < 3000; step++)
        {
            var i = random.Next(120);
            var key = $"shop/web-{i}";
            if (random.Next(10) == 0)
            {
                store.Remove(key).ShouldBe(expected.Remove(key));
            }
            else
            {
                var json = Pod(i, step);
                store.Set(key, step.ToString(System.Globalization.CultureInfo.InvariantCulture), json, (byte)(i % 3), compressAbove: 100);
                expected[key] = json;
                store.IsCurrent(key, step.ToString(System.Globalization.CultureInfo.InvariantCulture)).ShouldBeTrue();
            }

            if (step % 250 == 0)
            {
                ShouldHoldExactly(store, expected);
            }
        }

        ShouldHoldExactly(store, expected);
        store.Summaries().Order().ShouldBe(expected.Keys.Select(k => (byte)(int.Parse(k["shop/web-".Length..], System.Globalization.CultureInfo.InvariantCulture) % 3)).Order());
    }

    [Fact]
    public void Similar_objects_cost_far_less_packed_than_compressed_one_by_one()
    {
        var packed = new PackedStore();
        var alone = 0L;
        for (var i = 0; i < 160; i++)
        {
            packed.Set($"shop/web-{i}", "1", Pod(i, 1), 0, compressAbove: 100);
            var single = new PackedStore();
            single.Set("k", "1", Pod(i, 1), 0, compressAbove: 100);
            alone += single.StoredBytes;
        }

        alone.ShouldBeLessThan(160L * Pod(0, 1).Length); // compressed alone
        packed.StoredBytes.ShouldBeLessThan(alone / 3);
    }

    [Fact]
    public void A_half_dead_block_is_unpacked_so_dead_slots_do_not_pile_up()
    {
        var store = new PackedStore();
        for (var i = 0; i < PackedStore.BlockObjects; i++)
        {
            store.Set($"shop/web-{i}", "1", Pod(i, 1), 0, compressAbove: 100);
        }

        var block = store.StoredBytes;
        for (var i = 0; i < PackedStore.BlockObjects / 2 - 1; i++)
        {
            store.Remove($"shop/web-{i}");
        }

        store.StoredBytes.ShouldBe(block); // dead slots still in the block

        store.Remove($"shop/web-{PackedStore.BlockObjects / 2 - 1}");
        // half dead: the 8 live objects are single again, exactly as if they had just arrived
        var singles = new PackedStore();
        for (var i = PackedStore.BlockObjects / 2; i < PackedStore.BlockObjects; i++)
        {
            singles.Set($"shop/web-{i}", "1", Pod(i, 1), 0, compressAbove: 100);
        }

        store.StoredBytes.ShouldBe(singles.StoredBytes);
        ShouldHoldExactly(store, Enumerable.Range(PackedStore.BlockObjects / 2, PackedStore.BlockObjects / 2).ToDictionary(i => $"shop/web-{i}", i => Pod(i, 1)));

        // with 8 more they pack into a new block
        for (var i = 100; i < 100 + PackedStore.BlockObjects / 2; i++)
        {
            store.Set($"shop/web-{i}", "1", Pod(i, 1), 0, compressAbove: 100);
        }

        store.StoredBytes.ShouldBeLessThan(singles.StoredBytes);
    }

    [Fact]
    public void Small_objects_and_a_negative_threshold_stay_plain()
    {
        var store = new PackedStore();
        var json = Pod(1, 1);
        store.Set("a", "1", json, 0, compressAbove: -1);
        store.Set("b", "1", [(byte)'{', (byte)'}'], 0, compressAbove: 100);
        store.StoredBytes.ShouldBe(json.Length + 2);
        store.Remove("missing").ShouldBeFalse();
        store.Get("missing").ShouldBeNull();
    }

    [Fact]
    public async Task Readers_see_whole_objects_while_a_writer_churns()
    {
        var store = new PackedStore();
        for (var i = 0; i < 200; i++)
        {
            store.Set($"shop/web-{i}", "0", Pod(i, 0), 0, compressAbove: 100);
        }

        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        var writer = Task.Run(() =>
        {
            for (var v = 1; !stop.IsCancellationRequested; v++)
            {
                var i = v % 200;
                store.Set($"shop/web-{i}", v.ToString(System.Globalization.CultureInfo.InvariantCulture), Pod(i, v), 0, compressAbove: 100);
            }
        });
        var reads = 0;
        while (!stop.IsCancellationRequested)
        {
            var items = store.Items().ToList();
            items.Count.ShouldBe(200);
            items.ShouldAllBe(json => System.Text.Json.JsonDocument.Parse(json, default).RootElement.GetProperty("kind").GetString() == "Pod");
            reads++;
        }

        await writer;
        reads.ShouldBeGreaterThan(1);
    }
}
