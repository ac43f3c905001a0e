using KubeMedic.Core;
using KubeMedic.Kubernetes.Sources;

namespace KubeMedic.Kubernetes.Tests;

/// <summary>
/// kubectl's kubeconfig rules in <see cref="KubeconfigLoader"/>. The environment ($KUBECONFIG, the home folder, in-cluster) is passed in
/// as a <see cref="KubeconfigEnvironment"/>, so these tests neither read nor change the process's own environment.
/// </summary>
public sealed class KubeconfigLoaderTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("km-kubeconfig-");

    public void Dispose() => _dir.Delete(recursive: true);

    private string Home => Path.Combine(_dir.FullName, "home");

    private KubeconfigEnvironment Env(params string[] kubeconfig) => new(string.Join(Path.PathSeparator, kubeconfig), Home, () => false);

    private string Missing(string name) => Path.Combine(_dir.FullName, name);

    /// <summary>Sets current-context ctx-a only when asked; defines cluster "shared" (a), user "u" (token-a), context ctx-a.</summary>
    private string FileA(string? currentContext = null) => Write("a.yaml", $"""
        apiVersion: v1
        kind: Config
        clusters:
        - name: shared
          cluster:
            server: https://a.example:6443
        users:
        - name: u
          user:
            token: token-a
        contexts:
        - name: ctx-a
          context:
            cluster: shared
            user: u
        {(currentContext is null ? "" : $"current-context: {currentContext}")}
        """);

    /// <summary>Redefines "shared", "u" and ctx-a (all must lose to file A), adds cluster only-b and context ctx-b, sets current-context ctx-a.</summary>
    private string FileB() => Write("b.yaml", """
        apiVersion: v1
        kind: Config
        clusters:
        - name: shared
          cluster:
            server: https://b.example:6443
        - name: only-b
          cluster:
            server: https://only-b.example:6443
        users:
        - name: u
          user:
            token: token-b
        contexts:
        - name: ctx-a
          context:
            cluster: only-b
            user: u
        - name: ctx-b
          context:
            cluster: only-b
            user: u
        current-context: ctx-a
        """);

    private string Write(string name, string text)
    {
        var path = Path.Combine(_dir.FullName, name);
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void Two_files_merge_first_wins_and_current_context_comes_from_the_first_file_that_sets_it()
    {
        var env = Env(FileA(), FileB());

        var config = KubeconfigLoader.Load(null, null, env);

        config.CurrentContext.ShouldBe("ctx-a"); // set only in b
        config.Host.ShouldStartWith("https://a.example:6443"); // ctx-a and cluster "shared" from a, not b
        config.AccessToken.ShouldBe("token-a");
    }

    [Fact]
    public void The_first_file_that_sets_current_context_wins()
    {
        var a = FileA(currentContext: "ctx-b");
        var b = FileB();

        var config = KubeconfigLoader.Load(null, null, Env(a, b));

        config.CurrentContext.ShouldBe("ctx-b");
        config.Host.ShouldStartWith("https://only-b.example:6443");
    }

    [Fact]
    public void A_context_defined_only_in_the_second_file_is_usable_with_context()
    {
        var config = KubeconfigLoader.Load(null, "ctx-b", Env(FileA(), FileB()));

        config.CurrentContext.ShouldBe("ctx-b");
        config.Host.ShouldStartWith("https://only-b.example:6443");
        config.AccessToken.ShouldBe("token-a"); // user "u" is still a's
    }

    [Fact]
    public void Files_of_KUBECONFIG_that_do_not_exist_are_skipped()
    {
        var a = FileA();
        var b = FileB();
        var env = Env(Missing("gone-1"), a, Missing("gone-2"), b);

        var resolution = KubeconfigLoader.Resolve(null, env);

        resolution.Origin.ShouldBe(KubeconfigOrigin.Variable);
        resolution.Files.ShouldBe([a, b]);
        KubeconfigLoader.Load(null, null, env).Host.ShouldStartWith("https://a.example:6443");
    }

    [Fact]
    public void A_KUBECONFIG_none_of_whose_files_exists_is_an_error_not_no_kubeconfig()
    {
        Directory.CreateDirectory(Path.Combine(Home, ".kube"));
        File.WriteAllText(Path.Combine(Home, ".kube", "config"), File.ReadAllText(FileA("ctx-a")));
        var env = Env(Missing("gone-1"), Missing("gone-2"));

        // "given" (so no caller falls back to the embedded simulator), and loading it fails naming KUBECONFIG; ~/.kube/config is not used either
        KubeconfigLoader.IsAvailable(null, env).ShouldBeTrue();
        var ex = Should.Throw<UserInputException>(() => KubeconfigLoader.Load(null, null, env));

        ex.Message.ShouldStartWith("KUBECONFIG=");
        ex.Message.ShouldContain(Missing("gone-2"));
        ex.Message.ShouldNotContain("\n");
    }

    [Fact]
    public void A_missing_kubeconfig_flag_is_an_error_naming_the_file_even_when_KUBECONFIG_exists()
    {
        var env = Env(FileA("ctx-a"));

        var ex = Should.Throw<UserInputException>(() => KubeconfigLoader.Load(Missing("nope.yaml"), null, env));

        ex.Message.ShouldBe($"kubeconfig '{Missing("nope.yaml")}': no such file");
    }

    [Fact]
    public void The_kubeconfig_flag_reads_only_that_file()
    {
        var b = FileB();

        var resolution = KubeconfigLoader.Resolve(b, Env(FileA("ctx-a")));

        resolution.Origin.ShouldBe(KubeconfigOrigin.Flag);
        resolution.Files.ShouldBe([b]);
        Should.Throw<UserInputException>(() => KubeconfigLoader.Load(b, "ctx-nowhere", Env(FileA()))).Message.ShouldContain(b);
        KubeconfigLoader.Load(b, null, Env(FileA("ctx-a"))).Host.ShouldStartWith("https://only-b.example:6443");
    }

    [Fact]
    public void Without_KUBECONFIG_the_home_file_is_used_and_without_it_there_is_nothing()
    {
        var env = Env(); // KUBECONFIG empty
        KubeconfigLoader.IsAvailable(null, env).ShouldBeFalse();
        KubeconfigLoader.Resolve(null, env).Origin.ShouldBe(KubeconfigOrigin.None);
        Should.Throw<UserInputException>(() => KubeconfigLoader.Load(null, null, env)).Message.ShouldStartWith("no kubeconfig");

        Directory.CreateDirectory(Path.Combine(Home, ".kube"));
        File.WriteAllText(Path.Combine(Home, ".kube", "config"), File.ReadAllText(FileA("ctx-a")));
        KubeconfigLoader.Resolve(null, env).ShouldBe(new KubeconfigResolution(KubeconfigOrigin.HomeFile, [Path.Combine(Home, ".kube", "config")]), new ResolutionComparer());
        KubeconfigLoader.Load(null, null, env).Host.ShouldStartWith("https://a.example:6443");
        KubeconfigLoader.Resolve(null, new KubeconfigEnvironment(null, Path.Combine(_dir.FullName, "elsewhere"), () => true)).Origin.ShouldBe(KubeconfigOrigin.InCluster);
    }

    [Fact]
    public void A_malformed_second_file_is_a_one_line_error_naming_that_file()
    {
        var bad = Write("bad.yaml", "apiVersion: v1\nclusters: [[[\n");

        var ex = Should.Throw<UserInputException>(() => KubeconfigLoader.Load(null, null, Env(FileA("ctx-a"), bad)));

        ex.Message.ShouldStartWith($"kubeconfig '{bad}': not valid YAML at line");
        ex.Message.ShouldNotContain("\n");
    }

    [Fact]
    public void Relative_certificate_paths_resolve_against_the_folder_of_the_file_that_defines_them()
    {
        // b lives in its own folder with its CA beside it; resolving against the first file's folder (a's) would not find it
        var bDir = Directory.CreateDirectory(Path.Combine(_dir.FullName, "b-folder")).FullName;
        using var key = System.Security.Cryptography.ECDsa.Create();
        using var ca = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=kubemedic-test-ca", key, System.Security.Cryptography.HashAlgorithmName.SHA256)
            .CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        File.WriteAllText(Path.Combine(bDir, "ca.crt"), ca.ExportCertificatePem());
        var b = Path.Combine(bDir, "config");
        File.WriteAllText(b, """
            apiVersion: v1
            kind: Config
            clusters:
            - name: tls
              cluster:
                server: https://tls.example:6443
                certificate-authority: ca.crt
            users:
            - name: v
              user:
                token: token-v
            contexts:
            - name: ctx-tls
              context:
                cluster: tls
                user: v
            """);

        var config = KubeconfigLoader.Load(null, "ctx-tls", Env(FileA("ctx-a"), b));

        config.Host.ShouldStartWith("https://tls.example:6443");
        config.SslCaCerts.ShouldNotBeNull().Cast<System.Security.Cryptography.X509Certificates.X509Certificate2>().Single().Thumbprint.ShouldBe(ca.Thumbprint);
    }

    private sealed class ResolutionComparer : IEqualityComparer<KubeconfigResolution>
    {
        public bool Equals(KubeconfigResolution? x, KubeconfigResolution? y) => x?.Origin == y?.Origin && (x?.Files ?? []).SequenceEqual(y?.Files ?? []);

        public int GetHashCode(KubeconfigResolution obj) => obj.Origin.GetHashCode();
    }
}
