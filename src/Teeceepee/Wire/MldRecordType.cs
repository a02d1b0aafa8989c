namespace Teeceepee.Wire;

/// <summary>MLDv2 multicast address record types (RFC 3810 §5.2.12).</summary>
public enum MldRecordType : byte
{
    /// <summary>MODE_IS_INCLUDE (current state).</summary>
    ModeIsInclude = 1,
    /// <summary>MODE_IS_EXCLUDE (current state).</summary>
    ModeIsExclude = 2,
    /// <summary>CHANGE_TO_INCLUDE_MODE (filter mode change; with no sources: leave).</summary>
    ChangeToInclude = 3,
    /// <summary>CHANGE_TO_EXCLUDE_MODE (filter mode change; with no sources: join).</summary>
    ChangeToExclude = 4,
    /// <summary>ALLOW_NEW_SOURCES (source list change).</summary>
    AllowNewSources = 5,
    /// <summary>BLOCK_OLD_SOURCES (source list change).</summary>
    BlockOldSources = 6,
}
