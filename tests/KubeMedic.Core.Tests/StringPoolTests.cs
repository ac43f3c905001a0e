using System.Text;
using KubeMedic.Core.Model.Parsing;

namespace KubeMedic.Core.Tests;

public sealed class StringPoolTests
{
    [Fact]
    public void Equal_utf8_gives_one_instance_across_cache_evictions_table_growth_and_non_ascii()
    {
        var pool = new StringPool();
        var texts = Enumerable.Range(0, 20_000).Select(i => i % 3 == 0 ? $"pod-{i}-\u00e9t\u00e9" : i % 3 == 1 ? $"ns-{i}" : new string('x', 70) + i).ToList();

        var first = texts.Select(t => pool.Intern(Encoding.UTF8.GetBytes(t))).ToList();
        var second = texts.Select(t => pool.Intern(Encoding.UTF8.GetBytes(t))).ToList();

        first.ShouldBe(texts);
        for (var i = 0; i < texts.Count; i++)
        {
            ReferenceEquals(first[i], second[i]).ShouldBeTrue(texts[i]);
        }

        pool.Intern(""u8).ShouldBe("");
        var longText = new string('y', 300);
        pool.Intern(Encoding.UTF8.GetBytes(longText)).ShouldBe(longText); // too long to intern, still right
    }

    [Fact]
    public void A_decoded_string_and_the_same_text_as_bytes_are_one_instance()
    {
        var pool = new StringPool();
        var fromBytes = pool.Intern("app.kubernetes.io/name"u8);
        var decoded = pool.Intern(new string("app.kubernetes.io/name".AsSpan()));
        var decodedFirst = pool.Intern(new string("tier<front>".AsSpan()));

        ReferenceEquals(fromBytes, decoded).ShouldBeTrue();
        ReferenceEquals(pool.Intern("tier<front>"u8), decodedFirst).ShouldBeTrue();
        ReferenceEquals(pool.Intern(new string("caf\u00e9".AsSpan())), pool.Intern(new string("caf\u00e9".AsSpan()))).ShouldBeTrue();
    }

    [Fact]
    public void Equal_label_maps_are_shared_and_different_ones_are_not()
    {
        var pool = new StringPool();
        string S(string s) => pool.Intern(Encoding.UTF8.GetBytes(s));
        var a = pool.ShareMap([(S("app"), S("web")), (S("tier"), S("front"))]);
        var b = pool.ShareMap([(S("tier"), S("front")), (S("app"), S("web"))]);
        var c = pool.ShareMap([(S("app"), S("web")), (S("tier"), S("back"))]);

        ReferenceEquals(a, b).ShouldBeTrue();
        ReferenceEquals(a, c).ShouldBeFalse();
        c["tier"].ShouldBe("back");
        a.Count.ShouldBe(2);
    }
}
