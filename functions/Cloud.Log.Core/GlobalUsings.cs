// The engine speaks the contract's acks: one definition, in Cloud.Log.Protocol, for the client, the contract and the engine.
global using Acks = Cloud.Log.Protocol.Acks;
