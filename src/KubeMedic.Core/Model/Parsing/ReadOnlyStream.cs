namespace KubeMedic.Core.Model.Parsing;

/// <summary>
/// The members every read-only stream of the project implements the same way (no writes; no length or seeking unless a
/// stream overrides them).
/// </summary>
public abstract class ReadOnlyStream : Stream
{
    public override bool CanRead => true;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
