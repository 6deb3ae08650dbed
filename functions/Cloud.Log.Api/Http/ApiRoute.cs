using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Cloud.Log.Api.Http;

/// <summary>
/// One endpoint of the contract: its name (the Azure Function's name too), method, route below
/// <c>/api</c>, the access it needs, and how to call its handler with the route's values.
/// </summary>
/// <param name="Name">The endpoint's name; the function app's function of the same name serves it.</param>
/// <param name="Method">The HTTP method.</param>
/// <param name="Template">The route below <c>/api</c>, with <c>{parameters}</c>.</param>
/// <param name="Access">What the caller's credentials must allow: the handler of the route asks for exactly this (see <see cref="ApiRoutes.ForHandler"/>).</param>
/// <param name="Invoke">Calls the handler with the request and the route values.</param>
public sealed record ApiRoute(string Name, string Method, string Template, ApiAccess Access, Func<CloudLogHttpApi, HttpRequest, RouteValueDictionary, Task<IResult>> Invoke);
