// The optional Kafka listener: the standalone server (functions/Cloud.Log.Server) in Azure Container Apps,
// with TCP ingress on Kafka's port, over the same storage accounts as the function app and with the same
// user-assigned identity (no key anywhere). Flex Consumption takes HTTP only, so Kafka clients reach this
// app instead. Container Apps' TCP ingress needs an environment in a virtual network of our own; the
// network, the environment, a registry for the server's image and the app are created here.
param name string
param environmentName string
param registryName string
param location string
param tags object
param identityId string
param identityClientId string
param identityPrincipalId string

@description('The server image, e.g. <registry>.azurecr.io/cloudlog-server:1. Empty: a placeholder until the first image is pushed (docs/deploy.md).')
param image string

@description('The table endpoint of the account that holds the metadata tables.')
param metadataTableEndpoint string

@description('The replica locations, in order: name, blob and table endpoints.')
param replicaLocations array
param defaultReplicationFactor int

@description('The port Kafka clients connect to (the app\'s TCP ingress, exposed on the environment\'s address).')
param kafkaPort int

@minValue(1)
@maxValue(30)
@description('Most server replicas. Any replica serves any partition and group (they coordinate through the storage).')
param maximumReplicaCount int

@description('More server settings as environment variables (name: value), e.g. the SASL / OAUTHBEARER settings of docs/kafka.md.')
param settings object

// Container Apps' own sample image, until the server's is pushed.
var placeholderImage = 'mcr.microsoft.com/k8se/quickstart:latest'
var usesRegistry = !empty(image)

var locationSettings = flatten(map(range(0, length(replicaLocations)), i => [
  { name: 'CloudLog__Locations__${i}__Name', value: replicaLocations[i].name }
  { name: 'CloudLog__Locations__${i}__BlobServiceUri', value: replicaLocations[i].blobEndpoint }
  { name: 'CloudLog__Locations__${i}__TableServiceUri', value: replicaLocations[i].tableEndpoint }
]))

var serverSettings = concat(locationSettings, [
  { name: 'CloudLog__Metadata__TableServiceUri', value: metadataTableEndpoint }
  { name: 'CloudLog__Engine__DefaultReplicationFactor', value: string(defaultReplicationFactor) }
  // DefaultAzureCredential in the server picks the user-assigned identity from this.
  { name: 'AZURE_CLIENT_ID', value: identityClientId }
  { name: 'CloudLog__Kafka__Enabled', value: 'true' }
  { name: 'CloudLog__Kafka__Host', value: '0.0.0.0' }
  { name: 'CloudLog__Kafka__Port', value: string(kafkaPort) }
  // Metadata answers name this address, which every replica shares: clients reconnect to it, not to a replica.
  { name: 'CloudLog__Kafka__AdvertisedHost', value: '${name}.${environment.properties.defaultDomain}' }
  { name: 'CloudLog__Kafka__AdvertisedPort', value: string(kafkaPort) }
], map(items(settings), s => { name: s.key, value: string(s.value) }))

resource network 'Microsoft.Network/virtualNetworks@2024-05-01' = {
  name: 'vnet-${environmentName}'
  location: location
  tags: tags
  properties: {
    addressSpace: {
      addressPrefixes: ['10.40.0.0/16']
    }
    subnets: [
      {
        name: 'container-apps'
        properties: {
          addressPrefix: '10.40.0.0/23'
          delegations: [
            {
              name: 'container-apps'
              properties: {
                serviceName: 'Microsoft.App/environments'
              }
            }
          ]
        }
      }
    ]
  }
}

resource registry 'Microsoft.ContainerRegistry/registries@2023-07-01' = {
  name: registryName
  location: location
  tags: tags
  sku: {
    name: 'Basic'
  }
  properties: {
    adminUserEnabled: false
  }
}

// AcrPull for the app's identity: the app pulls its image with the identity, never with a registry password.
resource pull 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(registry.id, identityPrincipalId, '7f951dda-4ed3-4680-a7ca-43fe172d538d')
  scope: registry
  properties: {
    principalId: identityPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '7f951dda-4ed3-4680-a7ca-43fe172d538d')
  }
}

resource environment 'Microsoft.App/managedEnvironments@2024-03-01' = {
  name: environmentName
  location: location
  tags: tags
  properties: {
    vnetConfiguration: {
      infrastructureSubnetId: network.properties.subnets[0].id
      internal: false
    }
    workloadProfiles: [
      {
        name: 'Consumption'
        workloadProfileType: 'Consumption'
      }
    ]
  }
}

resource app 'Microsoft.App/containerApps@2024-03-01' = {
  name: name
  location: location
  tags: union(tags, { 'cloudlog-role': 'kafka-listener' })
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  dependsOn: [pull]
  properties: {
    environmentId: environment.id
    workloadProfileName: 'Consumption'
    configuration: {
      activeRevisionsMode: 'Single'
      ingress: {
        external: true
        transport: 'tcp'
        targetPort: kafkaPort
        exposedPort: kafkaPort
      }
      registries: usesRegistry
        ? [
            {
              server: registry.properties.loginServer
              identity: identityId
            }
          ]
        : []
    }
    template: {
      containers: [
        {
          name: 'server'
          image: usesRegistry ? image : placeholderImage
          resources: {
            cpu: json('1.0')
            memory: '2Gi'
          }
          env: serverSettings
        }
      ]
      scale: {
        // Kafka clients hold connections open: at least one replica always runs.
        minReplicas: 1
        maxReplicas: maximumReplicaCount
      }
    }
  }
}

output bootstrapServers string = '${app.properties.configuration.ingress.fqdn}:${kafkaPort}'
output registryLoginServer string = registry.properties.loginServer
output name string = app.name
