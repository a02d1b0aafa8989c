using System.Buffers.Binary;
using Teeceepee.Wire;

namespace Teeceepee.Dns;

/// <summary>
/// A DNS message as the resolver sees it (RFC 1035 §4.1): the header, the questions, and the
/// answers it understands (A, AAAA and CNAME; other types are skipped by their RDLENGTH). Authority and
/// additional sections are counted but not decoded. Built messages use no compression.
/// </summary>
/// <remarks>
/// <code>
///                                 1  1  1  1  1  1
///   0  1  2  3  4  5  6  7  8  9  0  1  2  3  4  5
/// +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
/// |                      ID                       |
/// +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
/// |QR|   Opcode  |AA|TC|RD|RA|   Z    |   RCODE   |
/// +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
/// |                    QDCOUNT                    |
/// |                    ANCOUNT                    |
/// |                    NSCOUNT                    |
/// |                    ARCOUNT                    |
/// +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
/// </code>
/// </remarks>
public readonly record struct DnsMessage
{
    /// <summary>Octets in the header.</summary>
    public const int HeaderLength = 12;

    /// <summary>Largest message over UDP without EDNS (RFC 1035 §4.2.1).</summary>
    public const int MaxUdpLength = 512;

    /// <summary>The standard port (RFC 1035 §4.2).</summary>
    public const ushort Port = 53;

    private static class Field
    {
        public const int Id = 0;
        public const int Flags = 2;
        public const int QuestionCount = 4;
        public const int AnswerCount = 6;
        public const int AuthorityCount = 8;
        public const int AdditionalCount = 10;
    }

    /// <summary>Matches a response to its query.</summary>
    public ushort Id { get; init; }

    /// <summary>QR: a response.</summary>
    public bool IsResponse { get; init; }

    /// <summary>The kind of query (0: a standard query).</summary>
    public byte Opcode { get; init; }

    /// <summary>AA: the answer comes from an authority for the name.</summary>
    public bool AuthoritativeAnswer { get; init; }

    /// <summary>TC: the message was cut to fit the transport (RFC 1035 §4.2.1: retry over TCP).</summary>
    public bool Truncated { get; init; }

    /// <summary>RD: recursion desired.</summary>
    public bool RecursionDesired { get; init; }

    /// <summary>RA: the server recurses.</summary>
    public bool RecursionAvailable { get; init; }

    /// <summary>RCODE.</summary>
    public DnsResponseCode ResponseCode { get; init; }

    /// <summary>The question section.</summary>
    public IReadOnlyList<DnsQuestion> Questions { get; init; }

    /// <summary>The answer records of a known type (A, AAAA, CNAME), in message order.</summary>
    public IReadOnlyList<DnsRecord> Answers { get; init; }

    /// <summary>ANCOUNT as received (records of other types included).</summary>
    public int AnswerCount { get; init; }

    /// <summary>A standard recursive query for <paramref name="name"/>.</summary>
    public static DnsMessage Query(ushort id, string name, DnsRecordType type = DnsRecordType.A) => new()
    {
        Id = id,
        RecursionDesired = true,
        Questions = [new DnsQuestion(name, type)],
        Answers = [],
    };

    /// <summary>
    /// Parses a whole message: the header, every question, and every answer (A, AAAA and CNAME decoded,
    /// others skipped). Never throws; <paramref name="reason"/> says why bytes were rejected.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> buffer, out DnsMessage message, out DnsError reason)
    {
        message = default;
        if (buffer.Length < HeaderLength)
        {
            reason = DnsError.TruncatedHeader;
            return false;
        }
        ushort flags = BinaryPrimitives.ReadUInt16BigEndian(buffer[Field.Flags..]);
        int questionCount = BinaryPrimitives.ReadUInt16BigEndian(buffer[Field.QuestionCount..]);
        int answerCount = BinaryPrimitives.ReadUInt16BigEndian(buffer[Field.AnswerCount..]);
        // Each question takes 5 octets at least and each record 11: reject impossible counts before allocating.
        if (questionCount * 5 + answerCount * 11 > buffer.Length - HeaderLength)
        {
            reason = DnsError.TruncatedRecord;
            return false;
        }

        int position = HeaderLength;
        var questions = new DnsQuestion[questionCount];
        for (int i = 0; i < questionCount; i++)
        {
            if (!DnsName.TryRead(buffer, position, out string name, out position, out reason))
                return false;
            if (position + 4 > buffer.Length)
            {
                reason = DnsError.TruncatedRecord;
                return false;
            }
            questions[i] = new DnsQuestion(name, (DnsRecordType)BinaryPrimitives.ReadUInt16BigEndian(buffer[position..]),
                BinaryPrimitives.ReadUInt16BigEndian(buffer[(position + 2)..]));
            position += 4;
        }

        var answers = new List<DnsRecord>(Math.Min(answerCount, 16));
        for (int i = 0; i < answerCount; i++)
        {
            if (!DnsName.TryRead(buffer, position, out string name, out position, out reason))
                return false;
            if (position + 10 > buffer.Length)
            {
                reason = DnsError.TruncatedRecord;
                return false;
            }
            var type = (DnsRecordType)BinaryPrimitives.ReadUInt16BigEndian(buffer[position..]);
            ushort recordClass = BinaryPrimitives.ReadUInt16BigEndian(buffer[(position + 2)..]);
            uint ttl = BinaryPrimitives.ReadUInt32BigEndian(buffer[(position + 4)..]);
            int dataLength = BinaryPrimitives.ReadUInt16BigEndian(buffer[(position + 8)..]);
            position += 10;
            if (position + dataLength > buffer.Length)
            {
                reason = DnsError.BadRecordLength;
                return false;
            }
            // RFC 2181 §8: a TTL with the top bit set is read as zero.
            if (ttl > int.MaxValue)
                ttl = 0;
            switch (type)
            {
                case DnsRecordType.A:
                    if (dataLength != 4)
                    {
                        reason = DnsError.BadRecordLength;
                        return false;
                    }
                    answers.Add(new DnsRecord(name, type, ttl, IPv4Address.Read(buffer[position..])) { Class = recordClass });
                    break;
                case DnsRecordType.AAAA:
                    // RFC 3596 §2.2: the 128-bit address in network byte order.
                    if (dataLength != IPv6Address.Length)
                    {
                        reason = DnsError.BadRecordLength;
                        return false;
                    }
                    answers.Add(new DnsRecord(name, type, ttl) { Class = recordClass, AddressV6 = IPv6Address.Read(buffer[position..]) });
                    break;
                case DnsRecordType.CNAME:
                    // The target may be compressed, but must end inside RDATA.
                    if (!DnsName.TryRead(buffer[..(position + dataLength)], position, out string target, out int end, out reason))
                        return false;
                    if (end != position + dataLength)
                    {
                        reason = DnsError.BadRecordLength;
                        return false;
                    }
                    answers.Add(new DnsRecord(name, type, ttl, Target: target) { Class = recordClass });
                    break;
            }
            position += dataLength;
        }

        message = new DnsMessage
        {
            Id = BinaryPrimitives.ReadUInt16BigEndian(buffer[Field.Id..]),
            IsResponse = (flags & 0x8000) != 0,
            Opcode = (byte)((flags >> 11) & 0xF),
            AuthoritativeAnswer = (flags & 0x0400) != 0,
            Truncated = (flags & 0x0200) != 0,
            RecursionDesired = (flags & 0x0100) != 0,
            RecursionAvailable = (flags & 0x0080) != 0,
            ResponseCode = (DnsResponseCode)(flags & 0xF),
            Questions = questions,
            Answers = answers,
            AnswerCount = answerCount,
        };
        reason = DnsError.None;
        return true;
    }

    /// <summary>
    /// Checks that every name can be sent and gives the uncompressed length; false with
    /// <see cref="DnsError.BadLabel"/> or <see cref="DnsError.NameTooLong"/> otherwise.
    /// </summary>
    public bool TryGetBufferLength(out int length, out DnsError reason)
    {
        length = HeaderLength;
        foreach (var question in Questions ?? [])
        {
            if (!DnsName.TryGetWireLength(question.Name, out int nameLength, out reason))
                return false;
            length += nameLength + 4;
        }
        foreach (var record in Answers ?? [])
        {
            if (!DnsName.TryGetWireLength(record.Name, out int nameLength, out reason))
                return false;
            int dataLength = record.Type == DnsRecordType.AAAA ? IPv6Address.Length : 4;
            if (record.Type == DnsRecordType.CNAME && !DnsName.TryGetWireLength(record.Target ?? "", out dataLength, out reason))
                return false;
            length += nameLength + 10 + dataLength;
        }
        reason = DnsError.None;
        return true;
    }

    /// <summary>The uncompressed length; throws <see cref="ArgumentException"/> for a name that cannot be sent.</summary>
    public int BufferLength => TryGetBufferLength(out int length, out var reason)
        ? length
        : throw new ArgumentException($"The message holds a name that cannot be sent ({reason}).");

    /// <summary>Writes the message (no compression) into <paramref name="destination"/>; returns the octets written.</summary>
    public int Emit(Span<byte> destination)
    {
        var questions = Questions ?? [];
        var answers = Answers ?? [];
        int flags = (IsResponse ? 0x8000 : 0) | (Opcode & 0xF) << 11 | (AuthoritativeAnswer ? 0x0400 : 0)
            | (Truncated ? 0x0200 : 0) | (RecursionDesired ? 0x0100 : 0) | (RecursionAvailable ? 0x0080 : 0)
            | ((int)ResponseCode & 0xF);
        BinaryPrimitives.WriteUInt16BigEndian(destination[Field.Id..], Id);
        BinaryPrimitives.WriteUInt16BigEndian(destination[Field.Flags..], (ushort)flags);
        BinaryPrimitives.WriteUInt16BigEndian(destination[Field.QuestionCount..], (ushort)questions.Count);
        BinaryPrimitives.WriteUInt16BigEndian(destination[Field.AnswerCount..], (ushort)answers.Count);
        BinaryPrimitives.WriteUInt16BigEndian(destination[Field.AuthorityCount..], 0);
        BinaryPrimitives.WriteUInt16BigEndian(destination[Field.AdditionalCount..], 0);
        int position = HeaderLength;
        foreach (var question in questions)
        {
            position += DnsName.Write(destination[position..], question.Name);
            BinaryPrimitives.WriteUInt16BigEndian(destination[position..], (ushort)question.Type);
            BinaryPrimitives.WriteUInt16BigEndian(destination[(position + 2)..], question.Class);
            position += 4;
        }
        foreach (var record in answers)
        {
            position += DnsName.Write(destination[position..], record.Name);
            BinaryPrimitives.WriteUInt16BigEndian(destination[position..], (ushort)record.Type);
            BinaryPrimitives.WriteUInt16BigEndian(destination[(position + 2)..], record.Class);
            BinaryPrimitives.WriteUInt32BigEndian(destination[(position + 4)..], record.TimeToLive);
            position += 10;
            int dataLength;
            if (record.Type == DnsRecordType.CNAME)
            {
                dataLength = DnsName.Write(destination[position..], record.Target ?? "");
            }
            else if (record.Type == DnsRecordType.AAAA)
            {
                record.AddressV6.WriteTo(destination[position..]);
                dataLength = IPv6Address.Length;
            }
            else
            {
                record.Address.WriteTo(destination[position..]);
                dataLength = 4;
            }
            BinaryPrimitives.WriteUInt16BigEndian(destination[(position - 2)..], (ushort)dataLength);
            position += dataLength;
        }
        return position;
    }

    /// <summary>The message as a new array (tests, small messages).</summary>
    public byte[] ToArray()
    {
        var buffer = new byte[BufferLength];
        Emit(buffer);
        return buffer;
    }
}
