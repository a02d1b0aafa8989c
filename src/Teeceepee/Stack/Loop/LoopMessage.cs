namespace Teeceepee.Stack.Loop;

/// <summary>An entry of the loop's command queue: run a command, or cancel one use of it.</summary>
internal readonly record struct LoopMessage(LoopCommand Command, short Version, bool IsCancel);
