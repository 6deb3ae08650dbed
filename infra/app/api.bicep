// The Flex Consumption plan and the function app: runtime dotnet-isolated 10.0, the deployment package
// in a blob container reached with the identity, and app settings that name every storage location by
// URL (identity-based connections only: no key or connection string anywhere).
param name string
param planName string
param location string
param tags object
param identityId string
param identityClientId string
param deploymentContainerUrl string
param hostBlobEndpoint string
param hostQueueEndpoint string

@description('The table endpoint of the account that holds the metadata tables.')
param metadataTableEndpoint string

@description('The replica locations, in order: name, blob and table endpoints.')
param replicaLocations array
param defaultReplicationFactor int
param produceQueueName string
param applicationInsightsConnectionString string
param instanceMemoryMB int
param maximumInstanceCount int
param corsAllowedOrigins array
param replicationSchedule string
param retentionSchedule string
param compactionSchedule string

var locationSettings = toObject(flatten(map(range(0, length(replicaLocations)), i => [
  { key: 'CloudLog__Locations__${i}__Name', value: replicaLocations[i].name }
  { key: 'CloudLog__Locations__${i}__BlobServiceUri', value: replicaLocations[i].blobEndpoint }
  { key: 'CloudLog__Locations__${i}__TableServiceUri', value: replicaLocations[i].tableEndpoint }
])), entry => entry.key, entry => entry.value)

var appSettings = union(locationSettings, {
  // The Functions host's own storage, by URL with the identity.
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__clientId: identityClientId
  AzureWebJobsStorage__blobServiceUri: hostBlobEndpoint
  AzureWebJobsStorage__queueServiceUri: hostQueueEndpoint
  // The metadata tables, apart from every replica location.
  CloudLog__Metadata__TableServiceUri: metadataTableEndpoint
  // The produce queue (ProduceFromQueue's trigger connection), likewise.
  CloudLogQueue__credential: 'managedidentity'
  CloudLogQueue__clientId: identityClientId
  CloudLogQueue__queueServiceUri: hostQueueEndpoint
  CLOUDLOG_PRODUCE_QUEUE: produceQueueName
  // DefaultAzureCredential in the app picks the user-assigned identity from this.
  AZURE_CLIENT_ID: identityClientId
  CloudLog__Engine__DefaultReplicationFactor: string(defaultReplicationFactor)
  CLOUDLOG_REPLICATION_SCHEDULE: replicationSchedule
  CLOUDLOG_RETENTION_SCHEDULE: retentionSchedule
  CLOUDLOG_COMPACTION_SCHEDULE: compactionSchedule
  APPLICATIONINSIGHTS_CONNECTION_STRING: applicationInsightsConnectionString
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'
})

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    tier: 'FlexConsumption'
    name: 'FC1'
  }
  properties: {
    reserved: true
  }
}

resource site 'Microsoft.Web/sites@2024-04-01' = {
  name: name
  location: location
  tags: union(tags, { 'azd-service-name': 'api' })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    siteConfig: {
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
      cors: {
        allowedOrigins: corsAllowedOrigins
      }
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: deploymentContainerUrl
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        instanceMemoryMB: instanceMemoryMB
        maximumInstanceCount: maximumInstanceCount
      }
      runtime: {
        name: 'dotnet-isolated'
        version: '10.0'
      }
    }
  }

  resource settings 'config' = {
    name: 'appsettings'
    properties: appSettings
  }
}

output name string = site.name
output url string = 'https://${site.properties.defaultHostName}/api'
